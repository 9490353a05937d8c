"""Scenarios for the simulation runner: a name and typed parameters of one of two kinds.

A *deal* scenario describes one loan and property by its values (``noi``, ``debt_service`` or the
loan terms, ``value`` or ``cap_rate``, ``occupancy``) and gets the deal metrics. A *shock*
scenario changes the whole portfolio, or a filtered part of it, by DOMAIN.md's definitions (NOI
change, rate shift, cap-rate shift, vacancy change, expense growth) and gets the at-risk analysis.
docs/DOMAIN.md's extension section defines each shock. A scenario holds one kind only.

Anything that cannot be used (an unknown field, a wrong type, an impossible value) is refused
with a ``ScenarioInvalid`` that names the scenario and the field, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from meta_agent.errors import ScenarioInvalid

# The longest amortisation a commercial loan plausibly has (50 years); longer is a typo.
MAX_AMORTIZATION_MONTHS = 600
# A rate of 1 (100%) or more is a percentage typed where a decimal belongs (6.5 for 0.065).
MAX_INTEREST_RATE = 1.0
MAX_NAME_LENGTH = 120

# Fields written as decimals, where a percentage typed by habit is the usual mistake.
DECIMAL_FIELDS = ("interest_rate", "cap_rate", "occupancy")
DECIMAL_HINT = "; write it as a decimal (0.065 = 6.5%)"

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)


class DealParameters(BaseModel):
    """One deal's values; debt service comes either as a number or from the loan terms."""

    model_config = _STRICT

    noi: float = Field(allow_inf_nan=False, description="T12 NOI, USD a year")
    debt_service: float | None = Field(None, ge=0, allow_inf_nan=False)
    loan_amount: float | None = Field(None, gt=0, allow_inf_nan=False)
    interest_rate: float | None = Field(None, ge=0, lt=MAX_INTEREST_RATE, allow_inf_nan=False)
    amortization_months: int | None = Field(None, ge=0, le=MAX_AMORTIZATION_MONTHS)
    interest_only: bool = False
    value: float | None = Field(None, gt=0, allow_inf_nan=False)
    cap_rate: float | None = Field(None, gt=0, lt=1, allow_inf_nan=False)
    occupancy: float | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    operating_expenses: float | None = Field(None, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _consistent(self) -> DealParameters:
        if self.debt_service is not None and self.interest_rate is not None:
            raise _field_error(
                "interest_rate",
                "give debt_service or the loan terms (loan_amount, interest_rate, "
                "amortization_months), not both",
            )
        if self.debt_service is None:
            if self.loan_amount is None or self.interest_rate is None:
                missing = "loan_amount" if self.loan_amount is None else "interest_rate"
                raise _field_error(
                    missing,
                    "a deal needs debt_service, or loan_amount and interest_rate to compute it",
                )
            if self.amortization_months is None and not self.interest_only:
                raise _field_error(
                    "amortization_months",
                    "an amortizing loan needs amortization_months (or interest_only: true)",
                )
            if self.interest_only and self.amortization_months not in (None, 0):
                raise _field_error(
                    "amortization_months", "an interest-only loan has no amortization_months"
                )
        if self.value is not None and self.cap_rate is not None:
            raise _field_error(
                "cap_rate", "give value or cap_rate, not both (value = noi / cap_rate)"
            )
        return self


class ShockParameters(BaseModel):
    """Shocks over the portfolio (or the properties the filters keep), by DOMAIN.md."""

    model_config = _STRICT

    noi_change_pct: float = Field(0.0, ge=-100, allow_inf_nan=False)
    rate_shift_bp: float = Field(0.0, ge=-10_000, le=10_000, allow_inf_nan=False)
    cap_rate_shift_bp: float = Field(0.0, ge=-10_000, le=10_000, allow_inf_nan=False)
    vacancy_change_pts: float = Field(0.0, ge=-100, le=100, allow_inf_nan=False)
    expense_growth_pct: float = Field(0.0, ge=-100, allow_inf_nan=False)
    property_types: list[str] | None = None
    markets: list[str] | None = None
    property_ids: list[str] | None = None

    @property
    def filtered(self) -> bool:
        """Whether the shocks apply to a part of the portfolio only."""
        return any(f is not None for f in (self.property_types, self.markets, self.property_ids))

    def shocks(self) -> dict[str, float]:
        """The five shock values by name."""
        return {name: float(getattr(self, name)) for name in SHOCK_FIELDS}


SHOCK_FIELDS = (
    "noi_change_pct",
    "rate_shift_bp",
    "cap_rate_shift_bp",
    "vacancy_change_pts",
    "expense_growth_pct",
)
FILTER_FIELDS = ("property_types", "markets", "property_ids")
DEAL_FIELDS = tuple(DealParameters.model_fields)
Kind = Literal["deal", "shock"]


class Scenario(BaseModel):
    """A named scenario: the values of one deal, or shocks over the portfolio."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    parameters: DealParameters | ShockParameters
    line: int | None = Field(None, description="where the scenario starts in its file, 1-based")

    @property
    def kind(self) -> Kind:
        """``deal`` or ``shock``."""
        return "deal" if isinstance(self.parameters, DealParameters) else "shock"

    def parameter_values(self) -> dict[str, Any]:
        """The parameters as given (unset fields left out), for reports and JSON."""
        return self.parameters.model_dump(exclude_unset=True, mode="json")

    @classmethod
    def build(
        cls, name: Any, parameters: Any, *, line: int | None = None, where: str | None = None
    ) -> Scenario:
        """A checked scenario; ``ScenarioInvalid`` naming the scenario and field otherwise.

        Args:
            where: the source for messages, e.g. ``scenarios.yaml``.
        """
        label = name if isinstance(name, str) and name else "(unnamed)"
        if not isinstance(name, str) or not name.strip():
            raise invalid(
                label, "name", "every scenario needs a name (a non-empty string)", line, where
            )
        if not isinstance(parameters, Mapping):
            raise invalid(
                label, "parameters", "parameters must be a mapping of field: value", line, where
            )
        model = _kind_of(label, parameters, line, where)
        try:
            checked = model.model_validate(dict(parameters))
        except ValidationError as exc:
            raise _from_validation(label, exc, line, where) from None
        except _FieldProblem as problem:
            raise invalid(label, problem.field, problem.message, line, where) from None
        return cls(name=name.strip(), parameters=checked, line=line)

    @classmethod
    def from_mapping(
        cls, spec: Any, *, line: int | None = None, where: str | None = None, index: int = 0
    ) -> Scenario:
        """A scenario from ``{"name": ..., "parameters": {...}}``."""
        if not isinstance(spec, Mapping):
            raise invalid(
                f"#{index + 1}", "scenario", "a scenario must be a mapping with name and parameters",
                line, where,
            )  # fmt: skip
        unknown = sorted(set(spec) - {"name", "parameters"})
        name = spec.get("name")
        if unknown:
            label = name if isinstance(name, str) else f"#{index + 1}"
            raise invalid(
                label, unknown[0], "a scenario takes only 'name' and 'parameters'", line, where
            )
        return cls.build(
            name if name is not None else "", spec.get("parameters"), line=line, where=where
        )


class _FieldProblem(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _field_error(field: str, message: str) -> _FieldProblem:
    return _FieldProblem(field, message)


def _kind_of(
    label: str, parameters: Mapping[str, Any], line: int | None, where: str | None
) -> type[DealParameters] | type[ShockParameters]:
    keys = set(parameters)
    deal = keys & set(DEAL_FIELDS)
    shock = keys & (set(SHOCK_FIELDS) | set(FILTER_FIELDS))
    unknown = sorted(keys - deal - shock)
    if unknown:
        raise invalid(
            label,
            unknown[0],
            f"unknown parameter; deal values are {', '.join(DEAL_FIELDS)}; portfolio shocks are "
            f"{', '.join(SHOCK_FIELDS + FILTER_FIELDS)}",
            line,
            where,
        )
    if deal and shock:
        raise invalid(
            label,
            sorted(shock)[0],
            f"a scenario holds deal values ({', '.join(sorted(deal))}) or portfolio shocks, "
            "not both",
            line,
            where,
        )
    return DealParameters if deal else ShockParameters


def _from_validation(
    label: str, exc: ValidationError, line: int | None, where: str | None
) -> ScenarioInvalid:
    error = exc.errors(include_url=False)[0]
    location = [str(part) for part in error.get("loc", ()) if not isinstance(part, int)]
    field = location[0] if location else "parameters"
    context = error.get("ctx") or {}
    problem = context.get("error")
    if isinstance(problem, _FieldProblem):
        return invalid(label, problem.field, problem.message, line, where)
    given = error.get("input")
    shown = "" if isinstance(given, Mapping) else f" (got {given!r})"
    hint = DECIMAL_HINT if field in DECIMAL_FIELDS else ""
    return invalid(label, field, f"{error['msg'].lower()}{shown}{hint}", line, where)


def invalid(
    scenario: str, field: str, message: str, line: int | None, where: str | None
) -> ScenarioInvalid:
    place = ""
    if where or line:
        place = f" ({where or 'input'}{f', line {line}' if line else ''})"
    return ScenarioInvalid(
        f"Scenario {scenario!r}{place}: field {field!r}: {message}.", scenario, field
    )
