"""The executive report's figures against an independent computation on the same synthetic data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from meta_agent.errors import ToolError
from meta_agent.reporting.figures import MOVER_COUNT, executive_figures


@pytest.fixture(scope="module")
def portfolio(synthetic_portfolio):
    return synthetic_portfolio(40, seed=11)


def test_headline_figures_follow_their_definitions(portfolio) -> None:
    metrics, monthly, property_monthly = portfolio
    figures, _ = executive_figures(metrics, monthly, 1.25, property_monthly)

    by_month = property_monthly.groupby("period")["noi"].sum()
    latest, prior, year_ago = by_month.iloc[-1], by_month.iloc[-2], by_month.iloc[-13]
    assert figures["as_of"] == "2025-12-01"
    assert figures["as_of_month"] == "December 2025"
    assert figures["latest_month_noi"] == pytest.approx(latest, rel=1e-12)
    assert figures["noi_mom_change"] == pytest.approx(latest - prior, rel=1e-9)
    assert figures["noi_mom_change_pct"] == pytest.approx((latest - prior) / prior, rel=1e-9)
    assert figures["noi_yoy_change"] == pytest.approx(latest - year_ago, rel=1e-9)
    assert figures["noi_yoy_change_pct"] == pytest.approx((latest - year_ago) / year_ago, rel=1e-9)

    t12 = property_monthly.groupby("property_id")["noi"].apply(lambda s: s.iloc[-12:].sum()).sum()
    assert figures["t12_noi"] == pytest.approx(t12, rel=1e-12)
    occupancy = (metrics["occupancy"] * metrics["square_feet"]).sum() / metrics["square_feet"].sum()
    assert figures["occupancy"] == pytest.approx(occupancy, rel=1e-12)


def test_at_risk_follows_domain_rules(portfolio) -> None:
    metrics, monthly, _ = portfolio
    for threshold in (1.0, 1.25, 1.35, 2.0):
        figures, tables = executive_figures(metrics, monthly, threshold)
        expected = sorted(
            metrics.loc[metrics["has_debt"] & (metrics["dscr"] < threshold), "property_id"]
        )
        assert sorted(figures["at_risk"]) == expected
        assert figures["at_risk_count"] == len(expected)
        # the worst first, and no property without debt
        at_risk = tables["At Risk"]
        assert at_risk["dscr"].is_monotonic_increasing
        assert at_risk["dscr"].notna().all()
        # the distribution's bands below the threshold add up to the at-risk count
        bands = tables["DSCR Distribution"]
        assert bands.loc[bands["at_risk"], "property_count"].sum() == len(expected)
        assert bands["property_count"].sum() == len(metrics)
        assert bands.iloc[-1]["band"] == "No debt"
        assert bands.iloc[-1]["property_count"] == (~metrics["has_debt"]).sum()


def test_breakdowns_add_up_to_the_portfolio(portfolio) -> None:
    metrics, monthly, _ = portfolio
    figures, tables = executive_figures(metrics, monthly)
    for key, sheet in (("property_type", "By Property Type"), ("market", "By Market")):
        table = tables[sheet]
        assert table["property_count"].sum() == len(metrics)
        assert table["noi"].sum() == pytest.approx(metrics["noi"].sum(), rel=1e-12)
        assert table["noi_share"].sum() == pytest.approx(1.0)
        assert table["at_risk_count"].sum() == figures["at_risk_count"]
        assert table["noi"].is_monotonic_decreasing
        first = table.iloc[0]
        group = metrics[metrics[key] == first[key]]
        leveraged = group[group["has_debt"]]
        assert first["aggregate_dscr"] == pytest.approx(
            leveraged["noi"].sum() / leveraged["debt_service"].sum()
        )
        weighted = (group["occupancy"] * group["square_feet"]).sum() / group["square_feet"].sum()
        assert first["occupancy"] == pytest.approx(weighted)


def test_movers_are_the_largest_dollar_changes_against_the_same_month_a_year_earlier(
    portfolio,
) -> None:
    metrics, monthly, property_monthly = portfolio
    figures, tables = executive_figures(metrics, monthly, 1.25, property_monthly)
    frame = property_monthly.assign(period=pd.to_datetime(property_monthly["period"]))
    latest = frame[frame["period"] == "2025-12-01"].set_index("property_id")["noi"]
    earlier = frame[frame["period"] == "2024-12-01"].set_index("property_id")["noi"]
    change = (latest - earlier).dropna()
    expected = change.abs().sort_values(ascending=False).index[:MOVER_COUNT].tolist()
    movers = figures["movers"]
    assert [m["property_id"] for m in movers] == expected
    top = movers[0]
    assert top["noi_change"] == pytest.approx(change[top["property_id"]])
    assert top["noi_change_pct"] == pytest.approx(
        change[top["property_id"]] / abs(earlier[top["property_id"]])
    )
    assert len(tables["NOI Change"]) == len(metrics)
    assert "same month a year earlier" in figures["movers_definition"]


def test_monthly_may_be_given_per_property(portfolio) -> None:
    metrics, monthly, property_monthly = portfolio
    from_totals, _ = executive_figures(metrics, monthly, 1.25, property_monthly)
    from_rows, tables = executive_figures(metrics, property_monthly)
    for key in ("latest_month_noi", "noi_mom_change", "noi_yoy_change", "t12_noi"):
        assert from_rows[key] == pytest.approx(from_totals[key], rel=1e-12)
    assert tables["Monthly"]["occupancy"].iloc[-1] == pytest.approx(monthly["occupancy"].iloc[-1])
    assert from_rows["movers"] == from_totals["movers"]


def test_missing_months_give_missing_changes(portfolio) -> None:
    metrics, monthly, _ = portfolio
    figures, _ = executive_figures(metrics, monthly.tail(6))
    assert figures["noi_yoy_change"] is None and figures["noi_yoy_change_pct"] is None
    assert figures["noi_mom_change"] is not None
    assert figures["movers"] is None


def test_values_are_plain_python(portfolio) -> None:
    metrics, monthly, property_monthly = portfolio
    figures, _ = executive_figures(metrics, monthly, 1.25, property_monthly)

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            assert value is None or type(value) in (str, int, float, bool), repr(value)
            if isinstance(value, float):
                assert math.isfinite(value)

    walk(figures)


def test_bad_input_is_explained(portfolio) -> None:
    metrics, monthly, _ = portfolio
    with pytest.raises(ToolError, match="missing \\['dscr'\\]"):
        executive_figures(metrics.drop(columns=["dscr"]), monthly)
    with pytest.raises(ToolError, match="at least one month"):
        executive_figures(metrics, monthly.head(0))
    with pytest.raises(ToolError, match="positive number"):
        executive_figures(metrics, monthly, threshold=-1)
    with pytest.raises(ToolError, match="dates such as"):
        executive_figures(metrics, monthly.assign(period="last month"))


def test_no_debt_anywhere(portfolio) -> None:
    metrics, monthly, _ = portfolio
    unlevered = metrics.assign(debt_service=0.0, dscr=np.nan, has_debt=False)
    figures, tables = executive_figures(unlevered, monthly)
    assert figures["at_risk_count"] == 0
    assert figures["portfolio_dscr"] is None and figures["median_dscr"] is None
    assert tables["By Market"]["aggregate_dscr"].isna().all()
