"""Shock arithmetic: shocks, loan books, the scenarios x properties grid and its tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import meta_agent.simulation as simulation
from meta_agent.errors import ToolError
from meta_agent.simulation import (
    BASE_SCENARIO,
    LoanBook,
    Shock,
    parse_scenarios,
    pivot_dscr,
    scenario_table,
    simulate,
    summarize,
    summary_arrays,
)
from meta_agent.tool_library.calculation_tools import (
    calculate_annual_debt_service,
    calculate_dscr,
)

IDS = ["p1", "p2", "p3"]
LOANS = pd.DataFrame(
    {
        "property_id": ["p1", "p3", "p3", "gone"],
        "original_balance": [8_000_000.0, 2_000_000.0, 500_000.0, 1.0],
        "interest_rate": [0.06, 0.055, 0.08, 0.05],
        "amortization_months": [300, 0, 120, 360],
    }
)


def book() -> LoanBook:
    return LoanBook.from_frame(LOANS, IDS)


def base_service() -> np.ndarray:
    return book().debt_service(np.array([0.0]))[0]


# --- scenarios ---------------------------------------------------------------------------------


def test_scenario_from_dict_and_defaults() -> None:
    scenario = Shock.from_dict({"noi_shock_pct": 10, "rate_shock_bp": 150})
    assert scenario == Shock("noi_-10pct_rate_+150bp", 10.0, 150.0)
    assert scenario.noi_factor == pytest.approx(0.9)
    assert Shock.from_dict({"noi_shock_pct": -5}).name == "noi_+5pct"
    assert Shock.from_dict({"name": "x"}) == Shock("x")


def test_parse_scenarios_puts_base_first_and_checks_names() -> None:
    parsed = parse_scenarios([{"name": "a", "noi_shock_pct": 5}, {"name": "base"}, Shock("b")])
    assert [s.name for s in parsed] == ["base", "a", "b"]
    assert parsed[0] is BASE_SCENARIO
    with pytest.raises(ToolError, match="twice"):
        parse_scenarios([{"name": "base", "noi_shock_pct": 5}])
    with pytest.raises(ToolError, match="Unknown"):
        parse_scenarios([{"noi": 5}])
    with pytest.raises(ToolError, match="finite"):
        parse_scenarios([{"noi_shock_pct": math.inf}])
    with pytest.raises(TypeError):
        parse_scenarios([{"noi_shock_pct": "5"}])
    with pytest.raises(TypeError):
        parse_scenarios({"name": "a"})  # type: ignore[arg-type]


# --- loan book ---------------------------------------------------------------------------------


def test_loan_book_drops_other_properties_and_sums_per_property() -> None:
    loans = book()
    assert loans.property_index.tolist() == [0, 2, 2]
    assert loans.has_loans().tolist() == [True, False, True]
    service = loans.debt_service(np.array([0.0, 100.0]))
    assert service.shape == (2, 3)
    for row, bump in enumerate([0.0, 0.01]):
        expected = [
            calculate_annual_debt_service(8_000_000, 0.06 + bump, 300),
            0.0,
            calculate_annual_debt_service(2_000_000, 0.055 + bump, 0)
            + calculate_annual_debt_service(500_000, 0.08 + bump, 120),
        ]
        assert service[row] == pytest.approx(expected, rel=1e-13)


def test_loan_book_names_missing_columns() -> None:
    with pytest.raises(ToolError, match="interest_rate"):
        LoanBook.from_frame(LOANS.drop(columns="interest_rate"), IDS)
    with pytest.raises(TypeError):
        LoanBook.from_frame(LOANS.to_dict("records"), IDS)  # type: ignore[arg-type]


# --- simulate ----------------------------------------------------------------------------------


def test_simulate_grid() -> None:
    noi = np.array([1_000_000.0, 300_000.0, 250_000.0])
    service = base_service()
    scenarios = parse_scenarios(
        [
            {"name": "noi", "noi_shock_pct": 20},
            {"name": "both", "noi_shock_pct": 20, "rate_shock_bp": 250},
        ]
    )
    grid = simulate(noi, service, scenarios, book())
    assert grid.dscr.shape == (3, 3)
    assert grid.noi[1] == pytest.approx(0.8 * noi)
    assert grid.debt_service[1] == pytest.approx(service)
    assert grid.debt_service[2] == pytest.approx(book().debt_service(np.array([250.0]))[0])
    for s in range(3):
        for p in (0, 2):
            assert grid.dscr[s, p] == pytest.approx(
                calculate_dscr(grid.noi[s, p], grid.debt_service[s, p]), rel=1e-15
            )
        assert math.isnan(grid.dscr[s, 1]) and not grid.at_risk[s, 1]
    assert (grid.at_risk == (np.nan_to_num(grid.dscr, nan=np.inf) < 1.25)).all()


def test_simulate_refuses_rate_shocks_without_matching_loans() -> None:
    noi = np.array([1.0, 1.0, 1.0])
    scenarios = parse_scenarios([{"rate_shock_bp": 50}])
    with pytest.raises(ToolError, match="loans"):
        simulate(noi, np.array([1.0, 0.0, 0.0]), scenarios)
    with pytest.raises(ToolError, match="p2"):
        simulate(noi, np.array([1.0, 5.0, 0.0]), scenarios, book())
    with pytest.raises(ValueError):
        simulate(noi, np.zeros(3), parse_scenarios([]), threshold=0.0)


def test_nan_debt_service_means_no_debt() -> None:
    grid = simulate(np.array([5.0]), np.array([np.nan]), parse_scenarios([]))
    assert grid.debt_service.tolist() == [[0.0]]
    assert math.isnan(grid.dscr[0, 0]) and not grid.at_risk[0, 0]


# --- tables ------------------------------------------------------------------------------------


def test_table_summary_and_pivot_agree_with_the_grid() -> None:
    properties = pd.DataFrame({"property_id": IDS, "name": ["One", "Two", "Three"]})
    noi = np.array([1_000_000.0, 300_000.0, 250_000.0])
    scenarios = parse_scenarios([{"name": "hit", "noi_shock_pct": 40, "rate_shock_bp": 100}])
    grid = simulate(noi, base_service(), scenarios, book())
    table = scenario_table(grid, properties)
    assert len(table) == 6
    assert table["property_type"].isna().all()  # not in the properties frame: left empty
    assert table["dscr"].to_numpy() == pytest.approx(grid.dscr.ravel(), nan_ok=True)
    summary = summarize(table)
    arrays = summary_arrays(grid.dscr, grid.debt_service)
    for key in ("properties", "with_debt", "at_risk_count", "average_dscr", "min_dscr"):
        assert summary[key].to_numpy() == pytest.approx(arrays[key])
    pivot = pivot_dscr(table)
    assert list(pivot.columns) == ["property_id", "name", "property_type", "dscr_base", "dscr_hit"]
    assert pivot["dscr_hit"].to_numpy() == pytest.approx(grid.dscr[1], nan_ok=True)


def test_summary_of_a_scenario_without_debt() -> None:
    stats = summary_arrays(np.array([[np.nan, np.nan]]), np.array([[0.0, 0.0]]))
    assert stats["with_debt"].tolist() == [0]
    assert stats["at_risk_count"].tolist() == [0]
    assert math.isnan(stats["average_dscr"][0]) and math.isnan(stats["min_dscr"][0])


def test_package_exports() -> None:
    assert sorted(simulation.__all__) == simulation.__all__
    assert all(hasattr(simulation, name) for name in simulation.__all__)


# --- properties --------------------------------------------------------------------------------

shocks = st.lists(st.floats(min_value=-50, max_value=150), min_size=1, max_size=12, unique=True)
positive_noi = st.lists(st.floats(min_value=1.0, max_value=1e8), min_size=3, max_size=3)


@settings(max_examples=100, deadline=None)
@given(positive_noi, shocks)
def test_dscr_is_monotone_in_the_noi_shock(noi: list[float], noi_shocks: list[float]) -> None:
    ordered = sorted(noi_shocks)
    scenarios = [Shock(f"s{i}", s) for i, s in enumerate(ordered)]
    grid = simulate(np.array(noi), base_service(), scenarios)
    with_debt = grid.dscr[:, [0, 2]]
    assert (np.diff(with_debt, axis=0) <= 0).all()
    assert grid.at_risk[:, 1].sum() == 0
    # Once at risk, a bigger shock keeps a property at risk.
    assert (np.diff(grid.at_risk.astype(int), axis=0) >= 0).all()


@settings(max_examples=100, deadline=None)
@given(shocks)
def test_debt_service_rises_with_the_rate_shock(rate_shocks: list[float]) -> None:
    ordered = np.array(sorted(s * 10 for s in rate_shocks))  # -500 .. +1500 bp
    service = book().debt_service(ordered)
    assert (np.diff(service, axis=0) >= -1e-9).all()


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(min_value=0, max_value=60), st.floats(min_value=-300, max_value=600)),
        min_size=1,
        max_size=6,
    )
)
def test_many_scenarios_at_once_equal_one_at_a_time(cases: list[tuple[float, float]]) -> None:
    noi = np.array([900_000.0, 10.0, 150_000.0])
    scenarios = [Shock(f"s{i}", n, r) for i, (n, r) in enumerate(cases)]
    together = simulate(noi, base_service(), scenarios, book())
    for row, scenario in enumerate(scenarios):
        alone = simulate(noi, base_service(), [scenario], book())
        assert together.dscr[row] == pytest.approx(alone.dscr[0], nan_ok=True)
        assert together.debt_service[row] == pytest.approx(alone.debt_service[0])
