"""Calculation tools against Excel's documented examples, DOMAIN.md and property-based checks."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from meta_agent.errors import ToolError, UndefinedMetric
from meta_agent.tool_library import calculation_tools as calc
from meta_agent.tool_library.calculation_tools import (
    annual_debt_service_vector,
    calculate_annual_debt_service,
    calculate_cap_rate,
    calculate_cash_on_cash,
    calculate_debt_yield,
    calculate_dscr,
    calculate_dscr_vector,
    calculate_equity_multiple,
    calculate_irr,
    calculate_irr_vector,
    calculate_loan_payment,
    calculate_ltv,
    calculate_npv,
    calculate_roi,
    financial_ratios,
)
from meta_agent.tool_library.tool_registry import ToolRegistry

# Excel's XIRR / XNPV documentation example.
XIRR_DATES = [
    dt.date(2008, 1, 1),
    dt.date(2008, 3, 1),
    dt.date(2008, 10, 30),
    dt.date(2009, 2, 15),
    dt.date(2009, 4, 1),
]
XIRR_FLOWS = [-10000.0, 2750.0, 4250.0, 3250.0, 2750.0]
# Excel's IRR documentation example: an investment of 70,000 and five years of income.
IRR_FLOWS = [-70000.0, 12000.0, 15000.0, 18000.0, 21000.0, 26000.0]


def npv_terms(rate: float, flows: list[float], times: list[float]) -> list[float]:
    """Discounted flows, computed independently of the tools (plain Python)."""
    return [f * math.exp(-t * math.log1p(rate)) for f, t in zip(flows, times, strict=True)]


# --- Excel's documented examples ---------------------------------------------------------------


class TestExcelExamples:
    def test_irr(self) -> None:
        assert calculate_irr(IRR_FLOWS) == pytest.approx(0.086630948, abs=1e-9)

    @pytest.mark.parametrize(("years", "expected"), [(4, -0.021244848), (2, -0.443506941)])
    def test_irr_shorter_holds(self, years: int, expected: float) -> None:
        assert calculate_irr(IRR_FLOWS[: years + 1]) == pytest.approx(expected, abs=1e-9)

    def test_xirr(self) -> None:
        assert calculate_irr(XIRR_FLOWS, XIRR_DATES) == pytest.approx(0.373362535, abs=1e-8)

    def test_xirr_takes_iso_strings_datetimes_and_any_order(self) -> None:
        iso = [d.isoformat() for d in XIRR_DATES]
        stamps = [dt.datetime(d.year, d.month, d.day, 15, 30) for d in XIRR_DATES]
        order = [3, 0, 4, 1, 2]
        shuffled = calculate_irr([XIRR_FLOWS[i] for i in order], [iso[i] for i in order])
        assert shuffled == pytest.approx(0.373362535, abs=1e-8)
        assert calculate_irr(XIRR_FLOWS, stamps) == pytest.approx(0.373362535, abs=1e-8)

    def test_xnpv(self) -> None:
        assert calculate_npv(0.09, XIRR_FLOWS, XIRR_DATES) == pytest.approx(2086.647602, abs=1e-6)

    def test_xnpv_discounts_from_the_earliest_date(self) -> None:
        order = [4, 2, 0, 3, 1]
        value = calculate_npv(0.09, [XIRR_FLOWS[i] for i in order], [XIRR_DATES[i] for i in order])
        assert value == pytest.approx(2086.647602, abs=1e-6)

    def test_pmt_is_returned_positive(self) -> None:
        # Excel: PMT(8%/12, 10, 10000) = -1,037.03
        assert calculate_loan_payment(0.08 / 12, 10, 10000) == pytest.approx(1037.03, abs=0.005)

    def test_npv_first_flow_is_not_discounted(self) -> None:
        # Excel: NPV(10%, -10000, 3000, 4200, 6800) = 1,188.44 discounts the first value one
        # period; ours puts the first flow at t = 0, so a leading 0 reproduces Excel.
        excel = 1188.443412
        assert calculate_npv(0.1, [0, -10000, 3000, 4200, 6800]) == pytest.approx(excel, abs=1e-6)
        ours = calculate_npv(0.1, [-10000, 3000, 4200, 6800])
        assert ours == pytest.approx(excel * 1.1, abs=1e-6)

    def test_npv_with_initial_investment(self) -> None:
        # Excel: NPV(8%, 8000, 9200, 10000, 12000, 14500) + -40000 = 1,922.06
        flows = [-40000, 8000, 9200, 10000, 12000, 14500]
        assert calculate_npv(0.08, flows) == pytest.approx(1922.06, abs=0.005)

    def test_npv_at_zero_rate_is_the_sum(self) -> None:
        assert calculate_npv(0.0, [-100, 30, 40, 50]) == pytest.approx(20.0)


# --- DOMAIN.md definitions ---------------------------------------------------------------------


class TestDomainDefinitions:
    def test_annual_debt_service_amortizing(self) -> None:
        balance, rate, months = 10_000_000.0, 0.065, 360
        r = rate / 12
        expected = 12 * balance * r / (1 - (1 + r) ** -months)
        assert calculate_annual_debt_service(balance, rate, months) == pytest.approx(
            expected, rel=1e-12
        )
        assert calculate_annual_debt_service(balance, rate, months) == pytest.approx(
            12 * calculate_loan_payment(r, months, balance), rel=1e-15
        )

    def test_annual_debt_service_interest_only(self) -> None:
        assert calculate_annual_debt_service(10_000_000, 0.065, 0) == pytest.approx(650_000.0)

    def test_zero_rate_is_straight_line(self) -> None:
        assert calculate_loan_payment(0.0, 120, 1200.0) == 10.0
        assert calculate_annual_debt_service(1200.0, 0.0, 120) == pytest.approx(120.0)
        assert calculate_annual_debt_service(1200.0, 0.0, 0) == 0.0

    def test_ratios(self) -> None:
        assert calculate_dscr(1_300_000, 1_000_000) == pytest.approx(1.3)
        assert calculate_dscr(-50_000, 100_000) == pytest.approx(-0.5)
        assert calculate_cap_rate(650_000, 10_000_000) == pytest.approx(0.065)
        assert calculate_ltv(6_000_000, 10_000_000) == pytest.approx(0.6)
        assert calculate_ltv(0, 10_000_000) == 0.0
        assert calculate_debt_yield(650_000, 6_500_000) == pytest.approx(0.1)
        assert calculate_cash_on_cash(80_000, 1_000_000) == pytest.approx(0.08)

    def test_equity_multiple_from_a_list_or_a_total(self) -> None:
        assert calculate_equity_multiple([100, 200, 1700], 1000) == pytest.approx(2.0)
        assert calculate_equity_multiple(2500.0, 1000) == pytest.approx(2.5)
        assert calculate_equity_multiple([], 1000) == 0.0

    def test_roi_is_annualised(self) -> None:
        assert calculate_roi(100, 121, 2) == pytest.approx(0.1)
        assert calculate_roi(100, 150, 1) == pytest.approx(0.5)
        assert calculate_roi(100, 0, 3) == -1.0
        assert calculate_roi(100, 150, 0.5) == pytest.approx(1.25)

    def test_results_are_plain_floats(self) -> None:
        values = [
            calculate_dscr(np.float64(2.0), np.int64(1)),
            calculate_irr(np.array(IRR_FLOWS)),
            calculate_npv(0.1, np.array([-1.0, 2.0])),
            calculate_annual_debt_service(np.float64(1e6), 0.05, np.int64(360)),
            calculate_annual_debt_service(1e6, 0.05, 360.0),
        ]
        assert all(type(v) is float for v in values)


# --- undefined results and bad input -----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: calculate_dscr(100, 0), "no debt"),
        (lambda: calculate_dscr(100, -5), "positive"),
        (lambda: calculate_dscr(1e308, 1e-308), "finite"),
        (lambda: calculate_dscr(math.nan, 100), "NaN"),
        (lambda: calculate_dscr(100, math.inf), "infinite"),
        (lambda: calculate_cap_rate(100, 0), "property_value"),
        (lambda: calculate_cap_rate(100, -1), "property_value"),
        (lambda: calculate_ltv(100, 0), "property_value"),
        (lambda: calculate_ltv(-1, 100), "negative"),
        (lambda: calculate_debt_yield(100, 0), "no debt"),
        (lambda: calculate_cash_on_cash(100, 0), "equity"),
        (lambda: calculate_equity_multiple([1, 2], 0), "equity"),
        (lambda: calculate_roi(100, 120, 0), "period"),
        (lambda: calculate_roi(100, -1, 1), "negative"),
        (lambda: calculate_roi(0, 120, 1), "initial"),
        (lambda: calculate_roi(1e-300, 1e300, 1e-3), "finite"),
        (lambda: calculate_roi(1.0, 1e10, 1e-3), "overflow"),
        (lambda: calculate_irr([100, 200, 300]), "sign change"),
        (lambda: calculate_irr([-100, -200]), "sign change"),
        (lambda: calculate_irr([0, 0, 0]), "sign change"),
        (lambda: calculate_irr([-100]), "At least 2"),
        (lambda: calculate_irr([-100, 100], ["2024-01-01", "2024-01-01"]), "IRR"),
        (lambda: calculate_irr([-100, math.nan, 120]), "NaN"),
        (lambda: calculate_npv(-1.0, [-100, 120]), "-100%"),
        (lambda: calculate_npv(0.1, []), "At least 1"),
        (lambda: calculate_loan_payment(0.01, 0, 1000), "at least one period"),
        (lambda: calculate_loan_payment(-1.0, 10, 1000), "rate"),
        (lambda: calculate_loan_payment(0.01, 10, -1000), "negative"),
        (lambda: calculate_annual_debt_service(1e6, -0.01, 360), "negative"),
        (lambda: calculate_annual_debt_service(1e6, 0.05, -12), "negative"),
        (lambda: calculate_annual_debt_service(-1e6, 0.05, 360), "negative"),
    ],
)
def test_undefined_results_raise(call: object, message: str) -> None:
    with pytest.raises(UndefinedMetric, match=message) as caught:
        call()  # type: ignore[operator]
    assert isinstance(caught.value, ToolError)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: calculate_dscr("100", 50), TypeError),
        (lambda: calculate_dscr(True, 50), TypeError),
        (lambda: calculate_dscr(None, 50), TypeError),
        (lambda: calculate_irr("-1,2"), TypeError),
        (lambda: calculate_irr({"a": 1}), TypeError),
        (lambda: calculate_irr([-1, "2"]), TypeError),
        (lambda: calculate_irr([-1, 2], ["2024-01-01"]), ValueError),
        (lambda: calculate_irr([-1, 2], ["2024-01-01", "soon"]), ValueError),
        (lambda: calculate_irr([-1, 2], [1, 2]), TypeError),
        (lambda: calculate_loan_payment(0.01, 12.5, 1000), ValueError),
        (lambda: calculate_annual_debt_service(1e6, 0.05, 359.5), ValueError),
        (lambda: financial_ratios([1, 2]), TypeError),
        (lambda: financial_ratios({"name": "x"}), ValueError),
        (lambda: calculate_irr_vector(np.array([-1.0, 2.0])), ValueError),
        (lambda: calculate_dscr_vector(["a"], [1.0]), TypeError),
    ],
)
def test_bad_input_raises_type_or_value_error(call: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        call()  # type: ignore[operator]


def test_xirr_identical_dates_never_returns_inf() -> None:
    with pytest.raises(UndefinedMetric):
        calculate_irr([-1, 2], [dt.date(2020, 1, 1)] * 2)


def test_irr_of_several_sign_changes_is_a_root() -> None:
    flows = [-100.0, 230.0, -132.0]  # roots at 10% and 20%
    rate = calculate_irr(flows)
    assert rate == pytest.approx(0.1, abs=1e-9) or rate == pytest.approx(0.2, abs=1e-9)


# --- financial_ratios --------------------------------------------------------------------------


def test_financial_ratios_computes_what_the_keys_allow() -> None:
    ratios = financial_ratios(
        {
            "noi": 1_000_000,
            "annual_debt_service": 800_000,
            "value": 15_000_000,
            "current_balance": 9_000_000,
            "effective_gross_income": 1_600_000,
            "operating_expenses": 600_000,
            "name": "ignored",
        }
    )
    assert ratios == pytest.approx(
        {
            "dscr": 1.25,
            "cap_rate": 1_000_000 / 15_000_000,
            "ltv": 0.6,
            "debt_yield": 1_000_000 / 9_000_000,
            "expense_ratio": 0.375,
            "noi_margin": 0.625,
        }
    )


def test_financial_ratios_reports_undefined_as_none() -> None:
    ratios = financial_ratios({"noi": 100.0, "debt_service": 0, "loan_balance": None, "value": 1e3})
    assert ratios == {"dscr": None, "cap_rate": 0.1}
    investor = financial_ratios(
        {
            "annual_cash_flow": 8,
            "equity": 100,
            "distributions": [50, 100],
            "initial": 100,
            "final": 121,
            "period": 2,
        }
    )
    assert investor == pytest.approx({"cash_on_cash": 0.08, "equity_multiple": 1.5, "roi": 0.1})


# --- registry ----------------------------------------------------------------------------------


def test_registry_builds_every_tool() -> None:
    tools = ToolRegistry().register_module(calc)
    assert {t.name for t in tools} == {
        "calculate_dscr",
        "calculate_cap_rate",
        "calculate_irr",
        "calculate_npv",
        "calculate_roi",
        "calculate_loan_payment",
        "calculate_annual_debt_service",
        "calculate_ltv",
        "calculate_debt_yield",
        "calculate_cash_on_cash",
        "calculate_equity_multiple",
        "financial_ratios",
        "calculate_dscr_vector",
        "annual_debt_service_vector",
        "calculate_irr_vector",
    }
    assert all(t.category == "calculation" and not t.side_effects for t in tools)
    by_name = {t.name: t for t in tools}
    assert list(by_name["calculate_npv"].parameters["properties"]) == [
        "rate",
        "cash_flows",
        "dates",
    ]
    assert list(by_name["calculate_annual_debt_service"].parameters["properties"]) == [
        "original_balance",
        "interest_rate",
        "amortization_months",
    ]


def test_importing_the_module_loads_no_numeric_library() -> None:
    code = (
        "import sys, meta_agent.tool_library.calculation_tools\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pandas', 'pyxirr'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- vectorised forms --------------------------------------------------------------------------


def test_dscr_vector_matches_scalar_and_is_nan_without_debt() -> None:
    noi = np.array([130.0, 200.0, -10.0, np.nan, 50.0])
    service = np.array([100.0, 0.0, 20.0, 10.0, np.nan])
    out = calculate_dscr_vector(noi, service)
    assert out[0] == calculate_dscr(130.0, 100.0)
    assert out[2] == calculate_dscr(-10.0, 20.0)
    assert np.isnan(out[[1, 3, 4]]).all()


def test_dscr_vector_broadcasts_scenarios_over_properties() -> None:
    noi = np.array([[100.0, 200.0]]) * np.array([[1.0], [0.9]])
    out = calculate_dscr_vector(noi, np.array([50.0, 0.0]))
    assert out.shape == (2, 2)
    assert out[1, 0] == pytest.approx(1.8)
    assert np.isnan(out[:, 1]).all()


def test_annual_debt_service_vector_matches_scalar() -> None:
    balance = np.array([1e7, 1e7, 5e6, 1e6, -1.0, 1e6, 1e6])
    rate = np.array([0.065, 0.065, 0.0, 0.07, 0.05, -0.01, 0.05])
    months = np.array([360, 0, 300, 120, 360, 360, 12.5])
    out = annual_debt_service_vector(balance, rate, months)
    for i in range(4):
        assert out[i] == pytest.approx(
            calculate_annual_debt_service(balance[i], rate[i], int(months[i])), rel=1e-14
        )
    assert np.isnan(out[4:]).all()


def test_irr_vector_matches_scalar_row_by_row() -> None:
    rows = np.array(
        [
            IRR_FLOWS,
            [-100.0, 230.0, -132.0, 0.0, 0.0, 0.0],  # several sign changes: scalar path
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],  # no sign change
            [-1.0, 1e12, 0.0, 0.0, 0.0, 0.0],
            [0.0, -5.0, 0.0, 0.0, 0.0, 7.0],  # leading zero
            [-1.0, np.nan, 2.0, 0.0, 0.0, 0.0],
            [-1e-9, 3e-10, 3e-10, 3e-10, 3e-10, 3e-10],
        ]
    )
    out = calculate_irr_vector(rows)
    for row, value in zip(rows, out, strict=True):
        try:
            expected = calculate_irr(row.tolist())
        except UndefinedMetric:
            assert np.isnan(value)
        else:
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert np.isnan(out[[2, 5]]).all()


def test_irr_vector_handles_empty_and_single_column_input() -> None:
    assert calculate_irr_vector(np.empty((0, 5))).shape == (0,)
    assert np.isnan(calculate_irr_vector(np.array([[-1.0], [2.0]]))).all()


def test_irr_falls_back_when_pyxirr_does_not_converge(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyxirr

    monkeypatch.setattr(pyxirr, "irr", lambda flows, silent=True: None)
    assert calculate_irr(IRR_FLOWS) == pytest.approx(0.086630948, abs=1e-9)
    with pytest.raises(UndefinedMetric, match="did not converge"):
        calculate_irr([-100.0, 230.0, -132.0])


# --- property-based ----------------------------------------------------------------------------

amounts = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def conventional_flows(draw: st.DrawFn) -> list[float]:
    """An investment followed by returns: one sign change, so exactly one IRR."""
    invest = draw(st.floats(min_value=1.0, max_value=1e6))
    returns = draw(st.lists(amounts, min_size=1, max_size=40))
    assume(sum(returns) > 1e-6 * invest)
    return [-invest, *returns]


@st.composite
def mixed_flows(draw: st.DrawFn) -> list[float]:
    """Any series with at least one sign change."""
    flows = draw(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=2, max_size=30))
    assume(any(f > 1e-3 for f in flows) and any(f < -1e-3 for f in flows))
    return flows


@settings(max_examples=200, deadline=None)
@given(conventional_flows(), st.floats(min_value=1e-9, max_value=1e12))
def test_irr_is_scale_invariant(flows: list[float], factor: float) -> None:
    base = calculate_irr(flows)
    assert calculate_irr([f * factor for f in flows]) == pytest.approx(base, rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(conventional_flows())
def test_npv_at_the_irr_is_zero(flows: list[float]) -> None:
    rate = calculate_irr(flows)
    terms = npv_terms(rate, flows, list(range(len(flows))))
    assert abs(math.fsum(terms)) <= 1e-8 * math.fsum(abs(t) for t in terms)
    assert abs(calculate_npv(rate, flows)) <= 1e-8 * math.fsum(abs(t) for t in terms)


@st.composite
def dated_flows(draw: st.DrawFn) -> tuple[list[float], list[dt.date]]:
    """An investment and returns of up to 10x it each, at least a week apart (a finite XIRR)."""
    invest = draw(st.floats(min_value=1.0, max_value=1e6))
    returns = draw(
        st.lists(st.floats(min_value=0.0, max_value=10 * invest), min_size=1, max_size=40)
    )
    assume(sum(returns) > 1e-6 * invest)
    gaps = draw(st.lists(st.integers(7, 400), min_size=len(returns), max_size=len(returns)))
    dates = [dt.date(2020, 1, 1)]
    for gap in gaps:
        dates.append(dates[-1] + dt.timedelta(days=gap))
    return [-invest, *returns], dates


@settings(max_examples=100, deadline=None)
@given(dated_flows())
def test_xnpv_at_the_xirr_is_zero(case: tuple[list[float], list[dt.date]]) -> None:
    flows, dates = case
    rate = calculate_irr(flows, dates)
    assume(rate > -1)  # a rate within 1e-16 of -100% rounds to -1.0
    times = [(d - dates[0]).days / 365 for d in dates]
    terms = npv_terms(rate, flows, times)
    # Near -100% the float rate carries an error of half an ulp in 1 + rate, amplified by time.
    tolerance = 1e-8 + max(times) * 1.2e-16 / (1 + rate)
    assert abs(math.fsum(terms)) <= tolerance * math.fsum(abs(t) for t in terms)


@settings(max_examples=200, deadline=None)
@given(mixed_flows())
def test_irr_is_a_root_or_undefined(flows: list[float]) -> None:
    try:
        rate = calculate_irr(flows)
    except UndefinedMetric:
        return
    assert math.isfinite(rate) and rate >= -1
    assume(rate > -1)  # a root within 1e-16 of -100% rounds to -1.0
    terms = npv_terms(rate, flows, list(range(len(flows))))
    assert abs(math.fsum(terms)) <= 1e-6 * math.fsum(abs(t) for t in terms)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=0.02),
    st.integers(min_value=1, max_value=480),
    st.floats(min_value=1.0, max_value=1e9),
)
def test_loan_payment_amortises_the_principal_to_zero(
    rate: float, n_periods: int, principal: float
) -> None:
    payment = calculate_loan_payment(rate, n_periods, principal)
    assert payment > 0
    balance, repaid = principal, 0.0
    for _ in range(n_periods):
        interest = balance * rate
        repaid += payment - interest
        balance += interest - payment
    assert abs(balance) <= 1e-9 * principal * (1 + rate) ** n_periods
    assert repaid == pytest.approx(principal, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(conventional_flows(), mixed_flows()), min_size=1, max_size=8))
def test_irr_vector_equals_scalar(series: list[list[float]]) -> None:
    width = max(len(s) for s in series)
    rows = np.array([s + [0.0] * (width - len(s)) for s in series])
    out = calculate_irr_vector(rows)
    for row, value in zip(series, out, strict=True):
        try:
            expected = calculate_irr(row)
        except UndefinedMetric:
            assert np.isnan(value)
        else:
            assert value == pytest.approx(expected, rel=1e-8, abs=1e-10)


loan = st.tuples(
    st.floats(min_value=0.0, max_value=1e9),
    st.floats(min_value=0.0, max_value=0.25),
    st.sampled_from([0, 12, 60, 120, 240, 300, 360, 480]),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(loan, min_size=1, max_size=20))
def test_debt_service_vector_equals_scalar(loans: list[tuple[float, float, int]]) -> None:
    balance, rate, months = (np.array(column, dtype=float) for column in zip(*loans, strict=True))
    out = annual_debt_service_vector(balance, rate, months)
    expected = [calculate_annual_debt_service(b, r, m) for b, r, m in loans]
    assert out == pytest.approx(expected, rel=1e-13, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(min_value=-1e9, max_value=1e9),
    st.floats(min_value=1.0, max_value=1e9),
    st.lists(st.floats(min_value=-50, max_value=100), min_size=2, max_size=10),
)
def test_dscr_falls_as_the_noi_shock_grows(noi: float, service: float, shocks: list[float]) -> None:
    shocks = sorted(shocks)
    values = [calculate_dscr(noi * (1 - s / 100), service) for s in shocks]
    vector = calculate_dscr_vector(np.array([noi * (1 - s / 100) for s in shocks]), service)
    assert vector == pytest.approx(values)
    steps = np.diff(values)
    assert (steps <= 1e-12).all() if noi >= 0 else (steps >= -1e-12).all()
