"""Analysis tools on synthetic tables with known answers, and on the sample portfolio."""

from __future__ import annotations

import math
import statistics
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from meta_agent.errors import ToolError, UnknownProperty
from meta_agent.tool_library import analysis_tools
from meta_agent.tool_library.analysis_tools import (
    comparative_analysis,
    correlation_analysis,
    find_similar_properties,
    flag_at_risk,
    outlier_detection,
    scenario_analysis,
    scenario_pivot,
    scenario_summary,
    trend_analysis,
)
from meta_agent.tool_library.tool_registry import ToolRegistry

KM_PER_DEGREE = 2 * math.pi * 6371.0088 / 360  # along a meridian


def annual_debt_service(balance: float, rate: float, months: int) -> float:
    """DOMAIN.md's formula, written out independently of the tools."""
    if months == 0:
        return balance * rate
    r = rate / 12
    if r == 0:
        return 12 * balance / months
    return 12 * balance * r / (1 - (1 + r) ** -months)


def property_row(property_id: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "property_id": property_id,
        "name": property_id.upper(),
        "property_type": "retail",
        "city": "Orlando",
        "state": "FL",
        "market": "Orlando, FL",
        "square_feet": 100_000,
        "year_built": 2000,
        "latitude": 28.5,
        "longitude": -81.4,
        "noi": 1_000_000.0,
        "debt_service": 800_000.0,
        "dscr": 1.25,
        "cap_rate": 0.07,
        "ltv": 0.6,
        "debt_yield": 0.1,
        "occupancy": 0.9,
        "has_debt": True,
    }
    row.update(values)
    return row


@pytest.fixture()
def portfolio() -> pd.DataFrame:
    """A target and peers whose similarity scores follow from the documented formula."""
    return pd.DataFrame(
        [
            property_row("target", noi=900_000.0),
            property_row("twin", noi=1_100_000.0, dscr=1.5),  # identical: 100
            property_row("bigger", square_feet=200_000, dscr=1.1),  # d_size 0.5: 80
            property_row("older", year_built=1980, dscr=np.nan, has_debt=False),  # d_age 0.5: 85
            property_row("north", market="Gainesville, FL", latitude=29.5),  # 111 km away
            property_row("tie_b", year_built=2010),  # d_age 0.25: 92.5
            property_row("tie_a", year_built=1990),  # d_age 0.25: 92.5
            property_row("unsized", square_feet=None),  # d_size 1: 60
            property_row("office", property_type="office"),  # other type: never a peer
        ]
    )


# --- flag_at_risk ------------------------------------------------------------------------------


def test_flag_at_risk_uses_the_threshold_and_spares_no_debt() -> None:
    data = pd.DataFrame(
        {
            "property_id": ["a", "b", "c", "d", "e"],
            "dscr": [1.1, 1.25, 1.3, np.nan, 0.9],
            "has_debt": [True, True, True, False, False],
        }
    )
    flagged = flag_at_risk(data)
    assert flagged["at_risk"].tolist() == [True, False, False, False, False]
    assert flag_at_risk(data, threshold=1.3)["at_risk"].tolist() == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert "at_risk" not in data.columns  # the input is not modified


def test_flag_at_risk_computes_dscr_when_absent_and_takes_row_dicts() -> None:
    rows = [{"noi": 120.0, "debt_service": 100.0}, {"noi": 50.0, "debt_service": 0.0}]
    flagged = flag_at_risk(rows)
    assert flagged["dscr"].tolist()[0] == pytest.approx(1.2)
    assert math.isnan(flagged["dscr"].tolist()[1])
    assert flagged["at_risk"].tolist() == [True, False]


@pytest.mark.parametrize("threshold", [0, -1.0, math.nan, math.inf])
def test_flag_at_risk_rejects_meaningless_thresholds(threshold: float) -> None:
    with pytest.raises(ValueError):
        flag_at_risk(pd.DataFrame({"dscr": [1.0]}), threshold=threshold)


def test_flag_at_risk_names_missing_columns() -> None:
    with pytest.raises(ToolError, match="noi"):
        flag_at_risk(pd.DataFrame({"property_id": ["a"]}))
    with pytest.raises(TypeError):
        flag_at_risk("dscr")  # type: ignore[arg-type]


# --- trend_analysis ----------------------------------------------------------------------------


def monthly(values: list[float], start: str = "2023-01-01") -> pd.DataFrame:
    periods = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"period": [p.date() for p in periods], "noi": values})


def test_trend_of_a_straight_line() -> None:
    values = [100.0 + 2 * i for i in range(24)]
    result = trend_analysis(monthly(values))
    assert result["slope_per_month"] == pytest.approx(2.0)
    assert result["total_growth"] == pytest.approx(0.46)
    assert result["latest_mom_change"] == pytest.approx(146 / 144 - 1)
    assert result["latest_yoy_change"] == pytest.approx(146 / 122 - 1)
    assert result["average"] == pytest.approx(123.0)
    assert result["months"] == 24
    series = result["series"]
    assert list(series.columns) == ["period", "value", "mom_change", "yoy_change"]
    assert series["yoy_change"].isna().sum() == 12
    assert math.isnan(series["mom_change"].iloc[0])


def test_trend_sums_properties_and_sorts_periods() -> None:
    one = monthly([10.0, 20.0, 30.0])
    two = monthly([1.0, 2.0, 3.0])
    data = pd.concat([one, two]).iloc[::-1]
    result = trend_analysis(data)
    assert result["series"]["value"].tolist() == [11.0, 22.0, 33.0]
    assert result["latest_mom_change"] == pytest.approx(0.5)
    assert result["latest_yoy_change"] is None


def test_trend_averages_ratio_columns() -> None:
    data = pd.DataFrame(
        {"period": ["2025-01-01", "2025-01-01", "2025-02-01"], "occupancy": [0.8, 0.9, 0.9]}
    )
    result = trend_analysis(data, value_column="occupancy")
    assert result["series"]["value"].tolist() == pytest.approx([0.85, 0.9])


def test_trend_respects_calendar_gaps_and_negative_bases() -> None:
    data = pd.DataFrame(
        {"period": ["2025-01-01", "2025-03-01", "2025-04-01"], "noi": [-100.0, 7, 50]}
    )
    result = trend_analysis(data)
    assert math.isnan(result["series"]["mom_change"].iloc[1])  # February is missing
    assert result["total_growth"] == pytest.approx(1.5)  # (50 - -100) / |-100|
    assert result["slope_per_month"] == pytest.approx(np.polyfit([0, 2, 3], [-100.0, 7, 50], 1)[0])


def test_trend_explains_bad_input() -> None:
    with pytest.raises(ToolError, match="period"):
        trend_analysis(pd.DataFrame({"period": ["soon"], "noi": [1.0]}))
    with pytest.raises(ToolError, match="revenue"):
        trend_analysis(monthly([1.0]), value_column="revenue")
    with pytest.raises(ToolError, match="empty"):
        trend_analysis(pd.DataFrame({"period": [], "noi": []}))


# --- find_similar_properties and comparative_analysis ------------------------------------------


def test_similar_properties_follow_the_documented_score(portfolio: pd.DataFrame) -> None:
    result = find_similar_properties("target", n=10, metrics=portfolio)
    north = 100 * (1 - 0.3 * (0.5 + 0.5 * KM_PER_DEGREE / 2000))
    assert result["property_id"].tolist() == [
        "twin",
        "tie_a",
        "tie_b",
        "older",
        "north",
        "bigger",
        "unsized",
    ]
    assert result["similarity_score"].tolist() == pytest.approx(
        [100.0, 92.5, 92.5, 85.0, north, 80.0, 60.0]
    )
    assert list(result.columns) == [*portfolio.columns, "similarity_score"]


def test_similar_properties_keeps_n_and_excludes_the_target(portfolio: pd.DataFrame) -> None:
    result = find_similar_properties("target", n=2, metrics=portfolio)
    assert result["property_id"].tolist() == ["twin", "tie_a"]
    assert "twin" not in find_similar_properties("twin", 10, portfolio)["property_id"].tolist()
    assert find_similar_properties("office", 5, portfolio).empty


def test_unknown_property_suggests_close_ids(portfolio: pd.DataFrame) -> None:
    with pytest.raises(UnknownProperty, match="target"):
        find_similar_properties("targett", metrics=portfolio)
    with pytest.raises(ValueError):
        find_similar_properties("target", n=0, metrics=portfolio)


def test_comparative_analysis_rows(portfolio: pd.DataFrame) -> None:
    table = comparative_analysis("target", n=2, metrics=portfolio)
    assert table["role"].tolist() == ["target", "peer", "peer", "peer_average"]
    assert table["property_id"].tolist()[:3] == ["target", "twin", "tie_a"]
    average = table.iloc[-1]
    assert average["noi"] == pytest.approx(1_050_000.0)
    assert average["dscr"] == pytest.approx(1.375)
    assert average["similarity_score"] == pytest.approx(96.25)
    assert math.isnan(table["similarity_score"].iloc[0])
    for column in ["noi", "dscr", "cap_rate", "occupancy", "ltv", "debt_yield"]:
        assert column in table.columns


def test_comparative_analysis_with_named_peers(portfolio: pd.DataFrame) -> None:
    table = comparative_analysis(
        "target", metrics=portfolio, peer_ids=["older", "target", "bigger"]
    )
    assert table["property_id"].tolist()[:3] == ["target", "older", "bigger"]
    assert table["dscr"].iloc[-1] == pytest.approx(1.1)  # the no-debt peer is skipped
    with pytest.raises(UnknownProperty):
        comparative_analysis("target", metrics=portfolio, peer_ids=["nowhere"])


# --- outliers and correlations -----------------------------------------------------------------


def test_iqr_outliers() -> None:
    data = pd.DataFrame({"noi": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 100, np.nan]})
    result = outlier_detection(data, "noi")
    assert result["is_outlier"].tolist() == [False] * 9 + [True, False]
    # Q1 = 3.25 and Q3 = 7.75 (linear interpolation), IQR = 4.5
    assert result["outlier_score"].iloc[9] == pytest.approx((100 - 7.75) / 4.5)
    assert result["outlier_score"].iloc[0] == pytest.approx((3.25 - 1) / 4.5)
    assert result["outlier_score"].iloc[4] == 0.0
    assert math.isnan(result["outlier_score"].iloc[10])
    assert set(result["method"]) == {"iqr"}
    assert outlier_detection(data, "noi", threshold=0.4)["is_outlier"].sum() == 2


def test_zscore_outliers() -> None:
    values = [10.0] * 20 + [100.0]
    result = outlier_detection(pd.DataFrame({"x": values}), "x", method="zscore")
    z = (100 - statistics.mean(values)) / statistics.stdev(values)
    assert result["outlier_score"].iloc[-1] == pytest.approx(z)
    assert result["is_outlier"].tolist() == [False] * 20 + [True]
    assert (
        outlier_detection(pd.DataFrame({"x": values}), "x", "z-score", 5.0)["is_outlier"].sum() == 0
    )


def test_degenerate_spreads() -> None:
    flat = outlier_detection(pd.DataFrame({"x": [5.0] * 6}), "x", method="zscore")
    assert not flat["is_outlier"].any()
    spike = outlier_detection(pd.DataFrame({"x": [5.0] * 6 + [9.0]}), "x")
    assert spike["is_outlier"].tolist() == [False] * 6 + [True]


def test_outlier_input_errors() -> None:
    data = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(ValueError):
        outlier_detection(data, "x", method="magic")
    with pytest.raises(ValueError):
        outlier_detection(data, "x", threshold=0)
    with pytest.raises(ToolError, match="y"):
        outlier_detection(data, "y")


def test_correlations() -> None:
    x = np.arange(1.0, 11.0)
    data = pd.DataFrame({"x": x, "y": 2 * x + 1, "z": -x, "w": x**2, "flag": x > 5, "name": "p"})
    matrix = correlation_analysis(data).set_index("column")
    assert list(matrix.columns) == ["x", "y", "z", "w"]
    assert matrix.loc["x", "y"] == pytest.approx(1.0)
    assert matrix.loc["x", "z"] == pytest.approx(-1.0)
    assert matrix.loc["x", "w"] < 1.0
    ranked = correlation_analysis(data, ["x", "w"], method="spearman").set_index("column")
    assert ranked.loc["x", "w"] == pytest.approx(1.0)
    assert correlation_analysis(data, ["x", "w"], "kendall").iloc[0, 2] == pytest.approx(1.0)


def test_correlation_input_errors() -> None:
    data = pd.DataFrame({"x": [1.0, 2.0], "y": [2.0, 1.0]})
    with pytest.raises(ToolError):
        correlation_analysis(data, ["x"])
    with pytest.raises(ToolError, match="q"):
        correlation_analysis(data, ["x", "q"])
    with pytest.raises(ValueError):
        correlation_analysis(data, method="magic")


# --- scenarios ---------------------------------------------------------------------------------

LOANS = pd.DataFrame(
    {
        "loan_id": ["a1", "c1", "c2", "z1"],
        "property_id": ["a", "c", "c", "elsewhere"],
        "original_balance": [10_000_000.0, 5_000_000.0, 1_000_000.0, 1.0],
        "interest_rate": [0.065, 0.07, 0.09, 0.05],
        "amortization_months": [360, 0, 300, 120],
    }
)
LOANS["annual_debt_service"] = [
    annual_debt_service(*row)
    for row in LOANS[["original_balance", "interest_rate", "amortization_months"]].itertuples(
        index=False
    )
]


@pytest.fixture()
def base_case() -> pd.DataFrame:
    service = LOANS.groupby("property_id")["annual_debt_service"].sum()
    frame = pd.DataFrame(
        {
            "property_id": ["a", "b", "c"],
            "name": ["A", "B", "C"],
            "property_type": ["office", "retail", "hotel"],
            "noi": [1_000_000.0, 400_000.0, 600_000.0],
        }
    )
    frame["debt_service"] = frame["property_id"].map(service).fillna(0.0)
    frame["dscr"] = frame["noi"] / frame["debt_service"].where(frame["debt_service"] > 0)
    return frame


def test_noi_shock_scales_noi_and_needs_no_loans(base_case: pd.DataFrame) -> None:
    result = scenario_analysis(base_case, [{"name": "down10", "noi_shock_pct": 10}])
    assert list(result.columns) == [
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
    assert result["scenario"].tolist() == ["base"] * 3 + ["down10"] * 3
    shocked = result[result["scenario"] == "down10"].reset_index(drop=True)
    assert shocked["noi"].tolist() == pytest.approx([900_000.0, 360_000.0, 540_000.0])
    assert shocked["dscr"].iloc[0] == pytest.approx(900_000 / base_case["debt_service"].iloc[0])
    assert math.isnan(shocked["dscr"].iloc[1]) and not shocked["at_risk"].iloc[1]
    base = result[result["scenario"] == "base"]
    assert base["dscr"].to_numpy() == pytest.approx(base_case["dscr"].to_numpy(), nan_ok=True)


def test_rate_shock_recomputes_each_loan(base_case: pd.DataFrame) -> None:
    result = scenario_analysis(base_case, [{"name": "up200", "rate_shock_bp": 200}], loans=LOANS)
    shocked = result[result["scenario"] == "up200"].set_index("property_id")
    assert shocked.loc["a", "debt_service"] == pytest.approx(
        annual_debt_service(10_000_000, 0.085, 360), rel=1e-12
    )
    assert shocked.loc["c", "debt_service"] == pytest.approx(
        5_000_000 * 0.09 + annual_debt_service(1_000_000, 0.11, 300), rel=1e-12
    )
    assert shocked.loc["b", "debt_service"] == 0.0
    assert shocked.loc["a", "dscr"] == pytest.approx(
        1_000_000 / annual_debt_service(10_000_000, 0.085, 360)
    )
    assert bool(shocked.loc["a", "at_risk"]) == bool(shocked.loc["a", "dscr"] < 1.25)


def test_rate_cut_never_goes_below_zero(base_case: pd.DataFrame) -> None:
    result = scenario_analysis(base_case, [{"name": "cut", "rate_shock_bp": -1000}], loans=LOANS)
    shocked = result[result["scenario"] == "cut"].set_index("property_id")
    assert shocked.loc["a", "debt_service"] == pytest.approx(12 * 10_000_000 / 360)
    assert shocked.loc["c", "debt_service"] == pytest.approx(12 * 1_000_000 / 300)


def test_scenario_errors(base_case: pd.DataFrame) -> None:
    with pytest.raises(ToolError, match="loans"):
        scenario_analysis(base_case, [{"rate_shock_bp": 100}])
    with pytest.raises(ToolError, match="noi_shock"):
        scenario_analysis(base_case, [{"noi_shock": 10}])
    with pytest.raises(ToolError, match="twice"):
        scenario_analysis(base_case, [{"name": "x", "noi_shock_pct": 5}, {"name": "x"}])
    with pytest.raises(ToolError, match="no loans"):
        scenario_analysis(
            base_case, [{"rate_shock_bp": 100}], loans=LOANS[LOANS.property_id != "c"]
        )
    with pytest.raises(ToolError, match="debt_service"):
        scenario_analysis(base_case.drop(columns="debt_service"), [])


def test_summary_and_pivot(base_case: pd.DataFrame) -> None:
    scenarios = [{"name": "down30", "noi_shock_pct": 30}, {"rate_shock_bp": 300}]
    result = scenario_analysis(base_case, scenarios, loans=LOANS)
    summary = scenario_summary(result)
    assert list(summary.columns) == [
        "scenario",
        "noi_shock_pct",
        "rate_shock_bp",
        "properties",
        "with_debt",
        "at_risk_count",
        "aggregate_dscr",
        "average_dscr",
        "min_dscr",
    ]
    assert summary["scenario"].tolist() == ["base", "down30", "rate_+300bp"]
    assert summary["properties"].tolist() == [3, 3, 3]
    assert summary["with_debt"].tolist() == [2, 2, 2]
    for row in summary.itertuples():
        dscr = result.loc[result["scenario"] == row.scenario, "dscr"].dropna()
        assert row.average_dscr == pytest.approx(dscr.mean())
        assert row.min_dscr == pytest.approx(dscr.min())
        levered = result[(result["scenario"] == row.scenario) & (result["debt_service"] > 0)]
        assert row.aggregate_dscr == pytest.approx(
            levered["noi"].sum() / levered["debt_service"].sum()
        )  # DOMAIN.md's portfolio DSCR under the shock, not the mean
        assert row.at_risk_count == int((dscr < 1.25).sum())
    assert scenario_summary(result, threshold=10.0)["at_risk_count"].tolist() == [2, 2, 2]
    pivot = scenario_pivot(result)
    assert list(pivot.columns) == [
        "property_id",
        "name",
        "property_type",
        "dscr_base",
        "dscr_down30",
        "dscr_rate_+300bp",
    ]
    assert pivot["dscr_down30"].to_numpy() == pytest.approx(
        0.7 * pivot["dscr_base"].to_numpy(), nan_ok=True
    )


# --- registry and imports ----------------------------------------------------------------------


def test_registry_builds_every_tool() -> None:
    tools = {t.name: t for t in ToolRegistry().register_module(analysis_tools)}
    assert set(tools) == {
        "flag_at_risk",
        "trend_analysis",
        "find_similar_properties",
        "comparative_analysis",
        "outlier_detection",
        "correlation_analysis",
        "scenario_analysis",
        "scenario_summary",
        "scenario_pivot",
        "group_figures",
        "select_loans",
        "group_noi_change",
        "scenario_parameters",
    }
    assert all(t.category == "analysis" for t in tools.values())
    assert list(tools["comparative_analysis"].parameters["properties"]) == [
        "property_id",
        "n",
        "metrics",
        "peer_ids",
    ]
    assert tools["find_similar_properties"].side_effects == {"reads_database"}


def test_importing_the_module_loads_no_numeric_library() -> None:
    code = (
        "import sys, meta_agent.tool_library.analysis_tools\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'pandas', 'pyxirr'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- on the sample portfolio (database tools) --------------------------------------------------


def test_similar_to_orlando_fashion_square(sample_db_url: str) -> None:
    from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

    metrics = fetch_portfolio_metrics()
    from_db = find_similar_properties("orlando_fashion_square")
    assert len(from_db) == 5
    assert set(from_db["property_type"]) == {"retail"}
    assert "orlando_fashion_square" not in from_db["property_id"].tolist()
    scores = from_db["similarity_score"].tolist()
    assert scores == sorted(scores, reverse=True)
    given = find_similar_properties("orlando_fashion_square", metrics=metrics)
    pd.testing.assert_frame_equal(from_db, given)
    with pytest.raises(UnknownProperty, match="orlando_fashion_square"):
        find_similar_properties("orlando_fashion_squar")


def test_scenarios_on_the_sample_portfolio(sample_db_url: str) -> None:
    from meta_agent.tool_library.database_tools import fetch_loans, fetch_portfolio_metrics

    metrics = fetch_portfolio_metrics()
    loans = fetch_loans()
    scenarios = [
        {"name": "stress", "noi_shock_pct": 10, "rate_shock_bp": 200},
        {"rate_shock_bp": 0},
    ]
    result = scenario_analysis(metrics, scenarios, loans=loans)
    base = result[result["scenario"] == "base"].reset_index(drop=True)
    assert base["dscr"].to_numpy() == pytest.approx(metrics["dscr"].to_numpy(), nan_ok=True)
    flagged = flag_at_risk(metrics)
    assert base["at_risk"].tolist() == flagged["at_risk"].tolist()
    stress = result[result["scenario"] == "stress"].reset_index(drop=True)
    with_debt = metrics["has_debt"].astype(bool).to_numpy()
    earning = with_debt & (metrics["noi"].to_numpy() > 0)
    assert (stress["dscr"].to_numpy()[earning] < base["dscr"].to_numpy()[earning]).all()
    assert not stress["at_risk"].to_numpy()[~with_debt].any()
    summary = scenario_summary(result)
    assert summary["at_risk_count"].iloc[1] >= summary["at_risk_count"].iloc[0]


def test_trend_of_the_sample_portfolio(sample_db_url: str) -> None:
    from meta_agent.tool_library.database_tools import (
        fetch_financial_data,
        fetch_monthly_performance,
    )

    monthly_totals = fetch_monthly_performance()
    result = trend_analysis(monthly_totals)
    assert result["months"] == 36
    assert result["latest_period"] == "2025-12-01"
    assert result["series"]["value"].sum() == pytest.approx(monthly_totals["noi"].sum())
    one = trend_analysis(fetch_financial_data("orlando_fashion_square"), "occupancy")
    assert 0 < one["average"] <= 1


def test_trend_window_keeps_year_over_year_from_earlier_rows() -> None:
    import pandas as pd

    from meta_agent.tool_library.analysis_tools import trend_analysis

    periods = pd.date_range("2024-01-01", periods=24, freq="MS")
    data = pd.DataFrame({"period": periods, "noi": [100.0 + i for i in range(24)]})
    result = trend_analysis(data, "noi", months=12)
    series = result["series"]
    assert len(series) == 12 and result["months"] == 12
    assert series["period"].iloc[0] == pd.Timestamp("2025-01-01")
    assert result["latest_yoy_change"] == pytest.approx((123.0 - 111.0) / 111.0)
    assert series["yoy_change"].notna().all()
    assert result["total_growth"] == pytest.approx((123.0 - 112.0) / 112.0)
