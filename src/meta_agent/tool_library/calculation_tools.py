"""Financial calculations: DSCR, cap rate, IRR and NPV (periodic and dated), loan payments, ratios.

Scalar tools take plain numbers and return a plain ``float``. A result with no defined value (DSCR
with no debt, IRR with no sign change, ROI over a zero period) raises ``UndefinedMetric``; no tool
returns inf, NaN or a complex number. The ``*_vector`` forms work on a whole portfolio at once and
return NaN exactly where the scalar form would raise. pyxirr and numpy are imported inside the
functions so that listing the tools stays fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from numbers import Real
from typing import TYPE_CHECKING, Any

from meta_agent import formulas
from meta_agent.errors import UndefinedMetric
from meta_agent.tool_library import _checks as checks
from meta_agent.tool_library.tool_registry import tool

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

DAYS_PER_YEAR = 365.0  # XIRR/XNPV day count: actual/365, as Excel

# --- ratios ------------------------------------------------------------------------------------


@tool(category="calculation")
def calculate_dscr(noi: float, debt_service: float) -> float:
    """Debt service coverage ratio: annual NOI divided by annual debt service."""
    value = checks.number(noi, "noi")
    service = checks.number(debt_service, "debt_service")
    if service == 0:
        raise UndefinedMetric(
            "DSCR is undefined with no debt service (debt_service is 0): no debt."
        )
    if service < 0:
        raise UndefinedMetric(f"debt_service must be positive, got {service:g}.")
    return checks.finite_result(value / service, "DSCR")


@tool(category="calculation")
def calculate_cap_rate(noi: float, property_value: float) -> float:
    """Capitalisation rate: annual NOI divided by the property's value."""
    value = checks.positive(property_value, "property_value", "The cap rate")
    return checks.finite_result(checks.number(noi, "noi") / value, "The cap rate")


@tool(category="calculation")
def calculate_ltv(loan_balance: float, property_value: float) -> float:
    """Loan-to-value: outstanding loan balance divided by the property's value."""
    balance = checks.non_negative(loan_balance, "loan_balance")
    return checks.finite_result(
        balance / checks.positive(property_value, "property_value", "LTV"), "LTV"
    )


@tool(category="calculation")
def calculate_debt_yield(noi: float, loan_balance: float) -> float:
    """Debt yield: annual NOI divided by the outstanding loan balance."""
    balance = checks.positive(loan_balance, "loan_balance", "Debt yield (no debt)")
    return checks.finite_result(checks.number(noi, "noi") / balance, "Debt yield")


@tool(category="calculation")
def calculate_cash_on_cash(annual_cash_flow: float, equity: float) -> float:
    """Cash-on-cash return: annual pre-tax cash flow divided by the equity invested."""
    invested = checks.positive(equity, "equity", "Cash-on-cash return")
    return checks.finite_result(
        checks.number(annual_cash_flow, "annual_cash_flow") / invested, "Cash-on-cash return"
    )


@tool(category="calculation")
def calculate_equity_multiple(distributions: list[float] | float, equity: float) -> float:
    """Equity multiple: total distributions divided by the equity invested.

    Args:
        distributions: every distribution received (a list), or their total.
    """
    invested = checks.positive(equity, "equity", "The equity multiple")
    if isinstance(distributions, (Real, Decimal)) and not isinstance(distributions, bool):
        total = checks.number(distributions, "distributions")
    else:
        total = math.fsum(checks.flows(distributions, minimum=0))
    return checks.finite_result(total / invested, "The equity multiple")


@tool(category="calculation")
def calculate_roi(initial: float, final: float, period: float) -> float:
    """Annualised return on investment: (final / initial) ** (1 / period) - 1.

    Args:
        initial: the amount invested (> 0).
        final: the value at the end (>= 0).
        period: the holding period in years (> 0); 1 gives the simple return.
    """
    start = checks.positive(initial, "initial", "ROI")
    end = checks.non_negative(final, "final")
    years = checks.positive(period, "period", "Annualised ROI")
    try:
        return checks.finite_result((end / start) ** (1.0 / years) - 1.0, "ROI")
    except OverflowError:
        raise UndefinedMetric("ROI overflows: the growth is too large for the period.") from None


# --- loans -------------------------------------------------------------------------------------


@tool(category="calculation")
def calculate_loan_payment(rate: float, n_periods: int, principal: float) -> float:
    """Level payment per period that amortises a loan to zero (Excel PMT, as a positive number).

    Args:
        rate: interest rate per period (0.08 / 12 for 8% a year paid monthly).
        n_periods: number of payments.
        principal: amount borrowed.
    """
    periodic = checks.number(rate, "rate")
    if periodic <= -1:
        raise UndefinedMetric(f"A loan payment needs rate > -1 per period, got {periodic:g}.")
    count = checks.whole(n_periods, "n_periods")
    if count <= 0:
        raise UndefinedMetric(f"A loan payment needs at least one period, got {count}.")
    return checks.finite_result(
        formulas.level_payment(periodic, count, checks.non_negative(principal, "principal")), "PMT"
    )


@tool(category="calculation")
def calculate_annual_debt_service(
    original_balance: float, interest_rate: float, amortization_months: int
) -> float:
    """Annual debt service of one loan: 12 monthly level payments, or balance * rate if interest-only.

    Args:
        interest_rate: annual rate as a decimal (0.065 = 6.5%).
        amortization_months: amortisation term in months; 0 means interest-only.
    """
    balance = checks.non_negative(original_balance, "original_balance")
    rate = checks.non_negative(interest_rate, "interest_rate")
    months = checks.whole(amortization_months, "amortization_months")
    if months < 0:
        raise UndefinedMetric(f"amortization_months cannot be negative (got {months}).")
    return checks.finite_result(
        formulas.annual_debt_service(balance, rate, months), "Annual debt service"
    )


# --- IRR and NPV -------------------------------------------------------------------------------


def _times(dates: list[dt.date] | None, count: int) -> list[float]:
    if dates is None:
        return [float(t) for t in range(count)]
    return [(d - dates[0]).days / DAYS_PER_YEAR for d in dates]


def _irr(flows: list[float], dates: list[dt.date] | None) -> float:
    """IRR of unit-scale flows: pyxirr's root refined by Newton, else the numpy solver.

    pyxirr stops at a loose tolerance and, on awkward series, at points that are not roots; a
    root is accepted only once Newton settles on it. A series with one sign change has exactly one
    root, which the bracketing numpy solver finds when pyxirr does not.
    """
    import numpy as np
    import pyxirr

    from meta_agent.tool_library import _vector_math

    times = _times(dates, len(flows))
    if dates is None:
        rate = pyxirr.irr(flows, silent=True)
    else:
        rate = pyxirr.xirr(dates, flows, silent=True)
    if rate is not None and math.isfinite(rate) and rate > -1:
        refined = _vector_math.polish(flows, times, float(rate))
        if math.isfinite(refined):
            return refined
    if checks.sign_changes(flows) == 1:
        logger.debug("pyxirr found no root; using the numpy solver", extra={"n": len(flows)})
        solved = _vector_math.solve_one_root(np.array([flows]), np.array(times))[0]
        if np.isfinite(solved):
            return float(solved)
        raise UndefinedMetric(
            "IRR has no finite value for these cash flows: the rate is too large to represent."
        )
    raise UndefinedMetric(
        "IRR did not converge: the cash flows change sign several times and have no rate that "
        "sets their NPV to zero (or several), so check the flows."
    )


@tool(category="calculation")
def calculate_irr(cash_flows: list[float], dates: list[dt.date | str] | None = None) -> float:
    """Internal rate of return: periodic IRR, or annualised XIRR (actual/365) when dates are given.

    Args:
        cash_flows: amounts in order; negative for money invested, positive for money returned.
        dates: one date per flow (date or ISO string), any order; the rate is then annualised
            from the earliest date, as Excel's XIRR.
    """
    flows = checks.flows(cash_flows, minimum=2)
    parsed: list[dt.date] | None = None
    if dates is not None:
        parsed, flows = checks.dated(dates, flows)
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

    discount = checks.number(rate, "rate")
    if discount <= -1:
        raise UndefinedMetric(f"NPV needs a discount rate above -100%, got {discount:g}.")
    flows = checks.flows(cash_flows, minimum=1)
    if dates is None:
        return checks.finite_result(pyxirr.npv(discount, flows, start_from_zero=True), "NPV")
    parsed, flows = checks.dated(dates, flows)
    return checks.finite_result(pyxirr.xnpv(discount, parsed, flows, silent=True), "XNPV")


# --- everything at once ------------------------------------------------------------------------


def _expense_ratio(operating_expenses: Any, egi: Any) -> float:
    income = checks.positive(egi, "effective_gross_income", "The expense ratio")
    return checks.number(operating_expenses, "operating_expenses") / income


def _noi_margin(noi: Any, egi: Any) -> float:
    return checks.number(noi, "noi") / checks.positive(
        egi, "effective_gross_income", "The NOI margin"
    )


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
_RATIOS: dict[str, tuple[Callable[..., float], tuple[str, ...]]] = {
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


# --- vectorised forms --------------------------------------------------------------------------


@tool(category="calculation")
def calculate_dscr_vector(noi: np.ndarray, debt_service: np.ndarray) -> np.ndarray:
    """DSCR of many properties at once: NOI / debt service, NaN where there is no debt service."""
    from meta_agent.tool_library import _vector_math as vm

    return formulas.dscr_vector(
        vm.float_array(noi, "noi"), vm.float_array(debt_service, "debt_service")
    )


@tool(category="calculation")
def annual_debt_service_vector(
    original_balance: np.ndarray, interest_rate: np.ndarray, amortization_months: np.ndarray
) -> np.ndarray:
    """Annual debt service of many loans at once; NaN where the scalar form raises.

    Args:
        interest_rate: annual rates as decimals (0.065 = 6.5%).
        amortization_months: amortisation terms in months; 0 means interest-only.
    """
    from meta_agent.tool_library import _vector_math as vm

    return formulas.annual_debt_service_vector(
        vm.float_array(original_balance, "original_balance"),
        vm.float_array(interest_rate, "interest_rate"),
        vm.float_array(amortization_months, "amortization_months"),
    )


@tool(category="calculation")
def calculate_irr_vector(cash_flows: np.ndarray) -> np.ndarray:
    """Periodic IRR of many cash-flow series at once (one per row); NaN where it is undefined.

    Series with one sign change (one root) are solved together by Newton's method with a
    bisection fallback; the rare series with several sign changes go through calculate_irr, so
    both forms always agree.

    Args:
        cash_flows: a 2-D array, one series per row, periods along the columns.
    """
    import numpy as np

    from meta_agent.tool_library import _vector_math as vm

    flows = vm.float_array(cash_flows, "cash_flows")
    if flows.ndim != 2:
        raise ValueError(f"cash_flows must be 2-D (one series per row), got {flows.ndim}-D")
    out = np.full(flows.shape[0], np.nan)
    if flows.shape[1] < 2:
        return out
    scaled, solvable = vm.normalised_rows(flows)
    changes = np.zeros(flows.shape[0], dtype=int)
    changes[solvable] = vm.sign_changes(scaled[solvable])
    single = changes == 1
    if single.any():
        out[single] = vm.solve_one_root(scaled[single], np.arange(flows.shape[1], dtype=float))
    for row in np.flatnonzero(changes > 1):  # already checked and scaled: straight to the solver
        with contextlib.suppress(UndefinedMetric):  # no rate: the row stays NaN
            out[row] = _irr(scaled[row].tolist(), None)
    return out
