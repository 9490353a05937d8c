"""NOI and interest-rate shocks over a portfolio, vectorised over scenarios x properties.

The meaning is DOMAIN.md's: an NOI shock of x% multiplies every month's NOI by (1 - x/100) before
T12 NOI is taken, so T12 NOI scales by that same factor; a rate shock of +b basis points raises
every loan's ``interest_rate`` by b/10,000 and recomputes its annual debt service (``12 * pmt(r/12,
n, P)``, or ``P * r`` for an interest-only loan), summed per property. A rate cut never takes a
rate below 0%. A property with no debt service has a NaN DSCR and is never at risk.

``simulate`` works on arrays (one row per scenario, one column per property) so a batch runner can
push many scenarios over a large portfolio; ``scenario_table``, ``summarize`` and ``pivot_dscr``
turn results into the tables the analysis tools return.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from meta_agent.errors import ToolError
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD, amortizing_debt_service, dscr_vector

BASE = "base"  # the unshocked scenario, always first
SCENARIO_KEYS = ("name", "noi_shock_pct", "rate_shock_bp")
LOAN_COLUMNS = ("property_id", "original_balance", "interest_rate", "amortization_months")
TABLE_COLUMNS = [
    "scenario",
    "noi_shock_pct",
    "rate_shock_bp",
    "property_id",
    "name",
    "property_type",
    "noi",
    "debt_service",
    "dscr",
    "at_risk",
]
SUMMARY_COLUMNS = [
    "scenario",
    "noi_shock_pct",
    "rate_shock_bp",
    "properties",
    "with_debt",
    "at_risk_count",
    "average_dscr",
    "min_dscr",
]


@dataclass(frozen=True)
class Shock:
    """One stress case of the DSCR engine: NOI down ``noi_shock_pct`` percent, rates up ``rate_shock_bp`` bp."""

    name: str
    noi_shock_pct: float = 0.0
    rate_shock_bp: float = 0.0

    @property
    def noi_factor(self) -> float:
        """What every month's NOI (and so T12 NOI) is multiplied by."""
        return 1.0 - self.noi_shock_pct / 100.0

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> Shock:
        """A scenario from ``{"name", "noi_shock_pct", "rate_shock_bp"}``; missing shocks are 0."""
        if not isinstance(spec, Mapping):
            raise TypeError(f"a scenario must be a dict, not {type(spec).__name__}")
        unknown = sorted(set(spec) - set(SCENARIO_KEYS))
        if unknown:
            raise ToolError(
                f"Unknown scenario key(s) {unknown}; a scenario takes {list(SCENARIO_KEYS)} "
                "(noi_shock_pct=10 means NOI falls 10%, rate_shock_bp=200 means rates rise 2 points)."
            )
        noi = _shock(spec.get("noi_shock_pct"), "noi_shock_pct")
        rate = _shock(spec.get("rate_shock_bp"), "rate_shock_bp")
        name = spec.get("name") or default_name(noi, rate)
        if not isinstance(name, str):
            raise TypeError(f"a scenario name must be a string, not {type(name).__name__}")
        return cls(name, noi, rate)


BASE_SCENARIO = Shock(BASE)


def _shock(value: Any, key: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{key} must be a number, not {type(value).__name__}")
    if not math.isfinite(value):
        raise ToolError(f"{key} must be a finite number, got {value}.")
    return float(value)


def default_name(noi_shock_pct: float, rate_shock_bp: float) -> str:
    """A name for an unnamed scenario, e.g. ``noi_-10pct_rate_+200bp``."""
    parts = []
    if noi_shock_pct:
        parts.append(f"noi_{-noi_shock_pct:+g}pct")
    if rate_shock_bp:
        parts.append(f"rate_{rate_shock_bp:+g}bp")
    return "_".join(parts) or BASE


def parse_scenarios(specs: Iterable[Mapping[str, Any] | Shock]) -> list[Shock]:
    """The base scenario followed by the given ones, checked: unique names, known keys."""
    if isinstance(specs, (str, bytes, Mapping)):
        raise TypeError("scenarios must be a list of dicts, one per scenario")
    parsed = [BASE_SCENARIO]
    for spec in specs:
        scenario = spec if isinstance(spec, Shock) else Shock.from_dict(spec)
        if scenario == BASE_SCENARIO:
            continue  # asking for the base case again changes nothing
        if scenario.name in {s.name for s in parsed}:
            raise ToolError(
                f"Shock name {scenario.name!r} is used twice (or is the reserved {BASE!r}); "
                "give each scenario its own name."
            )
        parsed.append(scenario)
    return parsed


@dataclass(frozen=True)
class LoanBook:
    """Loans as arrays, each loan pointing at its property's position in ``property_ids``."""

    property_ids: tuple[str, ...]
    property_index: np.ndarray
    original_balance: np.ndarray
    interest_rate: np.ndarray
    amortization_months: np.ndarray

    @classmethod
    def from_frame(cls, loans: pd.DataFrame, property_ids: Sequence[str]) -> LoanBook:
        """Loans of the given properties from a loans table; loans of other properties are dropped."""
        if not isinstance(loans, pd.DataFrame):
            raise TypeError(
                f"loans must be a DataFrame (fetch_loans()), not {type(loans).__name__}"
            )
        missing = [c for c in LOAN_COLUMNS if c not in loans.columns]
        if missing:
            raise ToolError(
                f"The loans table lacks column(s) {missing}; pass the result of fetch_loans()."
            )
        ids = tuple(str(p) for p in property_ids)
        position = pd.Series(np.arange(len(ids)), index=pd.Index(ids))
        index = loans["property_id"].astype(str).map(position)
        kept = index.notna().to_numpy()
        return cls(
            property_ids=ids,
            property_index=index.to_numpy()[kept].astype(np.int64),
            original_balance=loans["original_balance"].to_numpy(dtype=float)[kept],
            interest_rate=loans["interest_rate"].to_numpy(dtype=float)[kept],
            amortization_months=loans["amortization_months"].to_numpy(dtype=float)[kept],
        )

    def debt_service(self, rate_shock_bp: np.ndarray) -> np.ndarray:
        """Annual debt service per property (columns) under each rate shock (rows)."""
        shocks = np.asarray(rate_shock_bp, dtype=float)
        per_loan = self.loan_debt_service(shocks)
        count = len(self.property_ids)
        cells = (np.arange(len(shocks))[:, None] * count + self.property_index[None, :]).ravel()
        totals = np.bincount(cells, weights=per_loan.ravel(), minlength=len(shocks) * count)
        return totals.reshape(len(shocks), count)

    def loan_debt_service(self, rate_shock_bp: np.ndarray) -> np.ndarray:
        """Annual debt service per loan (columns) under each rate shock (rows).

        ``formulas.annual_debt_service_vector``'s arithmetic, operation for operation (so the
        same numbers), with the checks that depend on the loan alone made once per loan and
        amortizing and interest-only loans computed apart: Monte Carlo paths ask for millions
        of cells.
        """
        shocks = np.asarray(rate_shock_bp, dtype=float)[:, None] / 10_000.0
        balance, months = self.original_balance, self.amortization_months
        out = np.empty((shocks.shape[0], len(balance)))
        amortizing = months > 0
        if amortizing.any():
            n, owed = months[amortizing], balance[amortizing]
            monthly = np.maximum(self.interest_rate[amortizing] + shocks, 0.0) / 12.0
            out[:, amortizing] = amortizing_debt_service(owed, monthly, n)
        if not amortizing.all():
            flat = ~amortizing
            out[:, flat] = balance[flat] * np.maximum(self.interest_rate[flat] + shocks, 0.0)
        invalid = (
            (balance < 0) | (months < 0) | (months != np.floor(months))
            | np.isnan(balance) | np.isnan(self.interest_rate) | np.isnan(months)
        )  # fmt: skip
        if invalid.any():
            out[:, invalid] = np.nan
        np.copyto(out, np.nan, where=~np.isfinite(out))
        return out

    def has_loans(self) -> np.ndarray:
        """True for each property with at least one loan in the book."""
        return np.bincount(self.property_index, minlength=len(self.property_ids)) > 0


@dataclass(frozen=True)
class ScenarioGrid:
    """Results of ``simulate``: one row per scenario, one column per property."""

    scenarios: list[Shock]
    noi: np.ndarray
    debt_service: np.ndarray
    dscr: np.ndarray
    at_risk: np.ndarray
    threshold: float


def simulate(
    noi: np.ndarray,
    debt_service: np.ndarray,
    scenarios: Sequence[Shock],
    loans: LoanBook | None = None,
    threshold: float = DEFAULT_AT_RISK_THRESHOLD,
) -> ScenarioGrid:
    """Shocked T12 NOI, debt service, DSCR and at-risk flags for every scenario and property.

    Args:
        noi: base T12 NOI per property.
        debt_service: base annual debt service per property (0 or NaN: no debt).
        loans: the properties' loans; needed only when a scenario shocks rates.
    """
    check_threshold(threshold)
    base_noi = np.asarray(noi, dtype=float)
    base_service = np.nan_to_num(np.asarray(debt_service, dtype=float), nan=0.0)
    noi_factors = np.array([s.noi_factor for s in scenarios], dtype=float)
    rate_shocks = np.array([s.rate_shock_bp for s in scenarios], dtype=float)
    service = np.repeat(base_service[None, :], len(scenarios), axis=0)
    shocked = rate_shocks != 0
    if shocked.any():
        service[shocked] = _matching(loans, base_service).debt_service(rate_shocks[shocked])
    shocked_noi = noi_factors[:, None] * base_noi[None, :]
    dscr = dscr_vector(shocked_noi, service)
    with np.errstate(invalid="ignore"):
        at_risk = dscr < threshold  # NaN (no debt) compares False: never at risk
    return ScenarioGrid(list(scenarios), shocked_noi, service, dscr, at_risk, threshold)


def check_threshold(threshold: float) -> float:
    """The DSCR threshold as a float, refusing values that cannot be a coverage threshold."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise TypeError(f"threshold must be a number, not {type(threshold).__name__}")
    if not math.isfinite(threshold) or threshold <= 0:
        raise ValueError(f"threshold must be a positive DSCR such as 1.25, got {threshold}")
    return float(threshold)


def _matching(loans: LoanBook | None, base_service: np.ndarray) -> LoanBook:
    """The loan book, refused if missing or if it lacks loans of a property that has debt."""
    if loans is None:
        raise ToolError("Rate shocks need the loans table: pass loans=fetch_loans().")
    unmatched = (base_service > 0) & ~loans.has_loans()
    if unmatched.any():
        ids = [loans.property_ids[i] for i in np.flatnonzero(unmatched)[:5]]
        raise ToolError(
            f"{int(unmatched.sum())} propert(ies) with debt service have no loans in the loans "
            f"table (e.g. {ids}); pass fetch_loans() for the same properties."
        )
    return loans


def scenario_table(grid: ScenarioGrid, properties: pd.DataFrame) -> pd.DataFrame:
    """The long result table: one row per scenario and property, base scenario first."""
    count = len(grid.scenarios)
    repeat = grid.noi.shape[1]

    def tiled(column: str) -> np.ndarray:
        if column in properties.columns:
            return np.tile(properties[column].to_numpy(dtype=object), count)
        return np.full(count * repeat, None, dtype=object)

    table = pd.DataFrame(
        {
            "scenario": np.repeat([s.name for s in grid.scenarios], repeat),
            "noi_shock_pct": np.repeat([s.noi_shock_pct for s in grid.scenarios], repeat),
            "rate_shock_bp": np.repeat([s.rate_shock_bp for s in grid.scenarios], repeat),
            "property_id": tiled("property_id"),
            "name": tiled("name"),
            "property_type": tiled("property_type"),
            "noi": grid.noi.ravel(),
            "debt_service": grid.debt_service.ravel(),
            "dscr": grid.dscr.ravel(),
            "at_risk": grid.at_risk.ravel(),
        }
    )
    return table.infer_objects()


def summary_arrays(
    dscr: np.ndarray, debt_service: np.ndarray, threshold: float = DEFAULT_AT_RISK_THRESHOLD
) -> dict[str, np.ndarray]:
    """Per-scenario counts and DSCR statistics from (scenarios x properties) arrays."""
    dscr = np.atleast_2d(np.asarray(dscr, dtype=float))
    defined = ~np.isnan(dscr)
    counts = defined.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        average = np.where(counts > 0, np.where(defined, dscr, 0.0).sum(axis=1) / counts, np.nan)
        minimum = np.where(counts > 0, np.where(defined, dscr, np.inf).min(axis=1), np.nan)
        at_risk = (dscr < threshold).sum(axis=1)
    return {
        "properties": np.full(dscr.shape[0], dscr.shape[1]),
        "with_debt": (np.atleast_2d(np.asarray(debt_service, dtype=float)) > 0).sum(axis=1),
        "at_risk_count": at_risk,
        "average_dscr": average,
        "min_dscr": minimum,
    }


def summarize(results: pd.DataFrame, threshold: float = DEFAULT_AT_RISK_THRESHOLD) -> pd.DataFrame:
    """One row per scenario of a long result table, in the table's scenario order."""
    check_threshold(threshold)
    rows = []
    for name, group in results.groupby("scenario", sort=False):
        stats = summary_arrays(
            group["dscr"].to_numpy(dtype=float)[None, :],
            group["debt_service"].to_numpy(dtype=float)[None, :],
            threshold,
        )
        rows.append(
            {
                "scenario": name,
                "noi_shock_pct": float(group["noi_shock_pct"].iloc[0]),
                "rate_shock_bp": float(group["rate_shock_bp"].iloc[0]),
                **{key: value[0].item() for key, value in stats.items()},
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def pivot_dscr(results: pd.DataFrame) -> pd.DataFrame:
    """One row per property, one ``dscr_<scenario>`` column per scenario in the table's order."""
    keys = [c for c in ("property_id", "name", "property_type") if c in results.columns]
    frame = results[keys].drop_duplicates("property_id").reset_index(drop=True)
    for name, group in results.groupby("scenario", sort=False):
        dscr = group.set_index("property_id")["dscr"].astype(float)
        frame[f"dscr_{name}"] = frame["property_id"].map(dscr).to_numpy(dtype=float)
    return frame
