"""Financial calculations: DSCR, cap rate, IRR and NPV (periodic and dated), loan payments, ratios.

Scalar tools take plain numbers and return a plain ``float``. A result with no defined value (DSCR
with no debt, IRR with no sign change, ROI over a zero period) raises ``UndefinedMetric``; no tool
returns inf, NaN or a complex number. The ``*_vector`` forms work on a whole portfolio at once and
return NaN exactly where the scalar form would raise. pyxirr and numpy are imported inside the
functions so that listing the tools stays fast.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping
from decimal import Decimal
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

from meta_agent.errors import UndefinedMetric
from meta_agent.tool_library.tool_registry import tool

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

# Newton steps before a series that has not settled is handed to bisection; a level-payment
# style series converges in well under ten.
NEWTON_MAX_ITERATIONS = 50
# Bisection brackets log(1 + IRR) in [-60, 60]: any rate from -100% + 1e-26 to 1e26 per period.
LOG_RATE_BOUND = 60.0
# 100 halvings shrink the 120-wide bracket below float resolution.
BISECTION_ITERATIONS = 100
# Relative step size at which Newton counts as converged.
NEWTON_TOLERANCE = 1e-13
DAYS_PER_YEAR = 365.0  # XIRR/XNPV day count: actual/365, as Excel

# --- input checks ------------------------------------------------------------------------------


def _number(value: Any, name: str) -> float:
    """A finite float from a number, or TypeError / UndefinedMetric saying what was wrong."""
    if isinstance(value, bool) or not isinstance(value, (Real, Decimal)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    number = float(value)
    if math.isnan(number):
        raise UndefinedMetric(f"{name} is missing (NaN); a finite number is required.")
    if math.isinf(number):
        raise UndefinedMetric(f"{name} is infinite; a finite number is required.")
    return number


def _positive(value: Any, name: str, meaning: str) -> float:
    number = _number(value, name)
    if number <= 0:
        raise UndefinedMetric(f"{meaning} is undefined when {name} is {number:g}; it must be > 0.")
    return number


def _non_negative(value: Any, name: str) -> float:
    number = _number(value, name)
    if number < 0:
        raise UndefinedMetric(f"{name} cannot be negative (got {number:g}).")
    return number


def _whole(value: Any, name: str) -> int:
    number = _number(value, name)
    if not isinstance(value, Integral) and not number.is_integer():
        raise ValueError(f"{name} must be a whole number, got {number:g}")
    return int(number)


def _result(value: float | None, metric: str) -> float:
    if value is None or not math.isfinite(value):
        raise UndefinedMetric(f"{metric} has no finite value for these inputs.")
    return float(value)


def _flows(cash_flows: Any, minimum: int) -> list[float]:
    if isinstance(cash_flows, (str, bytes, Mapping)) or not hasattr(cash_flows, "__iter__"):
        raise TypeError(f"cash_flows must be a list of numbers, not {type(cash_flows).__name__}")
    flows = [_number(v, f"cash_flows[{i}]") for i, v in enumerate(cash_flows)]
    if len(flows) < minimum:
        raise UndefinedMetric(f"At least {minimum} cash flow(s) are needed, got {len(flows)}.")
    return flows


def _date(value: Any, index: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) or type(value).__name__ == "datetime64":
        try:
            return dt.datetime.fromisoformat(str(value)[:10]).date()
        except ValueError:
            raise ValueError(f"dates[{index}] is not an ISO date: {value!r}") from None
    raise TypeError(f"dates[{index}] must be a date or an ISO date string, not {type(value)}")


def _dated(dates: Any, flows: list[float]) -> tuple[list[dt.date], list[float]]:
    """Dates and flows sorted by date, so the earliest date is t = 0."""
    if isinstance(dates, (str, bytes)) or not hasattr(dates, "__iter__"):
        raise TypeError("dates must be a list of dates, one per cash flow")
    parsed = [_date(d, i) for i, d in enumerate(dates)]
    if len(parsed) != len(flows):
        raise ValueError(f"got {len(flows)} cash flows but {len(parsed)} dates; give one date each")
    order = sorted(range(len(parsed)), key=parsed.__getitem__)
    return [parsed[i] for i in order], [flows[i] for i in order]


def _sign_changes(flows: list[float]) -> int:
    signs = [f > 0 for f in flows if f != 0]
    return sum(a != b for a, b in zip(signs, signs[1:], strict=False))


# --- ratios ------------------------------------------------------------------------------------


@tool(category="calculation")
def calculate_dscr(noi: float, debt_service: float) -> float:
    """Debt service coverage ratio: annual NOI divided by annual debt service."""
    value = _number(noi, "noi")
    service = _number(debt_service, "debt_service")
    if service == 0:
        raise UndefinedMetric("DSCR is undefined with no debt service (debt_service is 0): no debt.")
    if service < 0:
        raise UndefinedMetric(f"debt_service must be positive, got {service:g}.")
    return _result(value / service, "DSCR")


@tool(category="calculation")
def calculate_cap_rate(noi: float, property_value: float) -> float:
    """Capitalisation rate: annual NOI divided by the property's value."""
    value = _positive(property_value, "property_value", "The cap rate")
    return _result(_number(noi, "noi") / value, "The cap rate")


@tool(category="calculation")
def calculate_ltv(loan_balance: float, property_value: float) -> float:
    """Loan-to-value: outstanding loan balance divided by the property's value."""
    balance = _non_negative(loan_balance, "loan_balance")
    return _result(balance / _positive(property_value, "property_value", "LTV"), "LTV")


@tool(category="calculation")
def calculate_debt_yield(noi: float, loan_balance: float) -> float:
    """Debt yield: annual NOI divided by the outstanding loan balance."""
    balance = _positive(loan_balance, "loan_balance", "Debt yield (no debt)")
    return _result(_number(noi, "noi") / balance, "Debt yield")


@tool(category="calculation")
def calculate_cash_on_cash(annual_cash_flow: float, equity: float) -> float:
    """Cash-on-cash return: annual pre-tax cash flow divided by the equity invested."""
    invested = _positive(equity, "equity", "Cash-on-cash return")
    return _result(_number(annual_cash_flow, "annual_cash_flow") / invested, "Cash-on-cash return")


@tool(category="calculation")
def calculate_equity_multiple(distributions: list[float] | float, equity: float) -> float:
    """Equity multiple: total distributions divided by the equity invested.

    Args:
        distributions: every distribution received (a list), or their total.
    """
    invested = _positive(equity, "equity", "The equity multiple")
    if isinstance(distributions, (Real, Decimal)) and not isinstance(distributions, bool):
        total = _number(distributions, "distributions")
    else:
        total = math.fsum(_flows(distributions, minimum=0))
    return _result(total / invested, "The equity multiple")


@tool(category="calculation")
def calculate_roi(initial: float, final: float, period: float) -> float:
    """Annualised return on investment: (final / initial) ** (1 / period) - 1.

    Args:
        initial: the amount invested (> 0).
        final: the value at the end (>= 0).
        period: the holding period in years (> 0); 1 gives the simple return.
    """
    start = _positive(initial, "initial", "ROI")
    end = _non_negative(final, "final")
    years = _positive(period, "period", "Annualised ROI")
    try:
        return _result((end / start) ** (1.0 / years) - 1.0, "ROI")
    except OverflowError:
        raise UndefinedMetric("ROI overflows: the growth is too large for the period.") from None


# --- loans -------------------------------------------------------------------------------------


def _level_payment(rate: float, n_periods: int, principal: float) -> float:
    if rate == 0:
        return principal / n_periods
    # 1 - (1 + r)^-n through expm1/log1p keeps precision for tiny rates.
    return principal * rate / -math.expm1(-n_periods * math.log1p(rate))


@tool(category="calculation")
def calculate_loan_payment(rate: float, n_periods: int, principal: float) -> float:
    """Level payment per period that amortises a loan to zero (Excel PMT, as a positive number).

    Args:
        rate: interest rate per period (0.08 / 12 for 8% a year paid monthly).
        n_periods: number of payments.
        principal: amount borrowed.
    """
    periodic = _number(rate, "rate")
    if periodic <= -1:
        raise UndefinedMetric(f"A loan payment needs rate > -1 per period, got {periodic:g}.")
    count = _whole(n_periods, "n_periods")
    if count <= 0:
        raise UndefinedMetric(f"A loan payment needs at least one period, got {count}.")
    return _result(_level_payment(periodic, count, _non_negative(principal, "principal")), "PMT")


@tool(category="calculation")
def calculate_annual_debt_service(
    original_balance: float, interest_rate: float, amortization_months: int
) -> float:
    """Annual debt service of one loan: 12 monthly level payments, or balance * rate if interest-only.

    Args:
        interest_rate: annual rate as a decimal (0.065 = 6.5%).
        amortization_months: amortisation term in months; 0 means interest-only.
    """
    balance = _non_negative(original_balance, "original_balance")
    rate = _non_negative(interest_rate, "interest_rate")
    months = _whole(amortization_months, "amortization_months")
    if months < 0:
        raise UndefinedMetric(f"amortization_months cannot be negative (got {months}).")
    if months == 0:
        return balance * rate
    return _result(12.0 * _level_payment(rate / 12.0, months, balance), "Annual debt service")


# --- IRR and NPV -------------------------------------------------------------------------------


def _times(dates: list[dt.date] | None, count: int) -> list[float]:
    if dates is None:
        return [float(t) for t in range(count)]
    return [(d - dates[0]).days / DAYS_PER_YEAR for d in dates]


def _irr(flows: list[float], dates: list[dt.date] | None) -> float:
    """IRR of normalised flows: pyxirr first, the numpy solver when it fails on a one-root series."""
    import pyxirr

    if dates is None:
        rate = pyxirr.irr(flows, silent=True)
    else:
        rate = pyxirr.xirr(dates, flows, silent=True)
    if rate is not None and math.isfinite(rate):
        return float(rate)
    if _sign_changes(flows) == 1:
        import numpy as np

        logger.debug("pyxirr did not converge; solving with bisection", extra={"flows": len(flows)})
        solved = _solve_one_root(np.array([flows]), np.array(_times(dates, len(flows))))
        if np.isfinite(solved[0]):
            return float(solved[0])
    raise UndefinedMetric(
        "IRR did not converge for these cash flows; series with several sign changes can have "
        "no rate or several, so check the flows."
    )


@tool(category="calculation")
def calculate_irr(cash_flows: list[float], dates: list[dt.date | str] | None = None) -> float:
    """Internal rate of return: periodic IRR, or annualised XIRR (actual/365) when dates are given.

    Args:
        cash_flows: amounts in order; negative for money invested, positive for money returned.
        dates: one date per flow (date or ISO string), any order; the rate is then annualised
            from the earliest date, as Excel's XIRR.
    """
    flows = _flows(cash_flows, minimum=2)
    parsed: list[dt.date] | None = None
    if dates is not None:
        parsed, flows = _dated(dates, flows)
    if not (any(f > 0 for f in flows) and any(f < 0 for f in flows)):
        raise UndefinedMetric(
            "IRR is undefined without a sign change: the flows need at least one negative "
            "(investment) and one positive (return) amount."
        )
    scale = max(abs(f) for f in flows)  # IRR is scale-free; solving at unit scale keeps it so
    return _irr([f / scale for f in flows], parsed)


@tool(category="calculation")
def calculate_npv(
    rate: float, cash_flows: list[float], dates: list[dt.date | str] | None = None
) -> float:
    """Net present value with the first flow at t = 0 (not Excel's NPV), or XNPV when dated.

    Args:
        rate: discount rate per period, or per year (actual/365) when dates are given.
        cash_flows: amounts in order; the first is not discounted.
        dates: one date per flow (date or ISO string); flows are discounted from the earliest,
            as Excel's XNPV.
    """
    import pyxirr

    discount = _number(rate, "rate")
    if discount <= -1:
        raise UndefinedMetric(f"NPV needs a discount rate above -100%, got {discount:g}.")
    flows = _flows(cash_flows, minimum=1)
    if dates is None:
        return _result(pyxirr.npv(discount, flows, start_from_zero=True), "NPV")
    parsed, flows = _dated(dates, flows)
    return _result(pyxirr.xnpv(discount, parsed, flows, silent=True), "XNPV")


# --- everything at once ------------------------------------------------------------------------

def _expense_ratio(operating_expenses: Any, egi: Any) -> float:
    income = _positive(egi, "effective_gross_income", "The expense ratio")
    return _number(operating_expenses, "operating_expenses") / income


def _noi_margin(noi: Any, egi: Any) -> float:
    return _number(noi, "noi") / _positive(egi, "effective_gross_income", "The NOI margin")


_RATIO_INPUTS: dict[str, tuple[str, ...]] = {
    "noi": ("noi",),
    "debt_service": ("debt_service", "annual_debt_service"),
    "property_value": ("property_value", "value"),
    "loan_balance": ("loan_balance", "current_balance"),
    "egi": ("effective_gross_income", "egi"),
    "operating_expenses": ("operating_expenses",),
    "annual_cash_flow": ("annual_cash_flow",),
    "equity": ("equity",),
    "distributions": ("distributions",),
    "initial": ("initial",),
    "final": ("final",),
    "period": ("period",),
}
_RATIOS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "dscr": (calculate_dscr, ("noi", "debt_service")),
    "cap_rate": (calculate_cap_rate, ("noi", "property_value")),
    "ltv": (calculate_ltv, ("loan_balance", "property_value")),
    "debt_yield": (calculate_debt_yield, ("noi", "loan_balance")),
    "cash_on_cash": (calculate_cash_on_cash, ("annual_cash_flow", "equity")),
    "equity_multiple": (calculate_equity_multiple, ("distributions", "equity")),
    "roi": (calculate_roi, ("initial", "final", "period")),
    "expense_ratio": (_expense_ratio, ("operating_expenses", "egi")),
    "noi_margin": (_noi_margin, ("noi", "egi")),
}


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


@tool(category="calculation")
def financial_ratios(data: dict[str, Any]) -> dict[str, float | None]:
    """Every ratio computable from the figures given (DSCR, cap rate, LTV, debt yield, ...).

    Args:
        data: figures by name: noi, debt_service (or annual_debt_service), property_value (or
            value), loan_balance (or current_balance), effective_gross_income (or egi),
            operating_expenses, annual_cash_flow, equity, distributions, initial, final, period.
            Other keys are ignored. A ratio whose inputs are all present but which is undefined
            (DSCR with no debt) is None.
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"data must be a dict of figures, not {type(data).__name__}")
    figures: dict[str, Any] = {}
    for canonical, aliases in _RATIO_INPUTS.items():
        found = [data[a] for a in aliases if a in data and _present(data[a])]
        if found:
            figures[canonical] = found[0]
    ratios: dict[str, float | None] = {}
    for name, (function, needs) in _RATIOS.items():
        if all(n in figures for n in needs):
            try:
                ratios[name] = float(function(*(figures[n] for n in needs)))
            except UndefinedMetric:
                ratios[name] = None
    if not ratios:
        raise ValueError(
            "no ratio can be computed from keys "
            f"{sorted(data)}; give e.g. noi with debt_service, property_value or loan_balance"
        )
    return ratios
