from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from meta_agent.reporting import style


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("noi", 1234567.891, "$1,234,568"),
        ("noi", -1234.4, "-$1,234"),
        ("noi", -0.2, "$0"),
        ("debt_service", np.float64(250000), "$250,000"),
        ("dscr", 1.2345, "1.23x"),
        ("dscr", float("nan"), "no debt"),
        ("dscr_noi_down_10", None, "no debt"),
        ("average_dscr", None, "n/a"),
        ("cap_rate", 0.0625, "6.25%"),
        ("occupancy", 0.934, "93.4%"),
        ("ltv", 0.6512, "65.1%"),
        ("expense_ratio", 0.41, "41.0%"),
        ("noi_change_pct", -0.052, "-5.2%"),
        ("year_built", 1998, "1998"),
        ("square_feet", 123456, "123,456"),
        ("property_count", np.int64(12), "12"),
        ("noi_shock_pct", 10, "10%"),
        ("rate_shock_bp", 150, "150 bp"),
        ("period", dt.date(2025, 12, 1), "2025-12-01"),
        ("latest_period", pd.Timestamp("2025-12-01"), "2025-12-01"),
        ("at_risk", True, "Yes"),
        ("has_debt", np.bool_(False), "No"),
        ("name", "Orlando Fashion Square", "Orlando Fashion Square"),
        ("similarity_score", 0.87345, "0.87"),
        ("avg_rent_psf", 25.4, "$25.40"),
    ],
)
def test_format_value_by_column_kind(name: str, value: object, expected: str) -> None:
    assert style.format_value(name, value) == expected


def test_percent_and_signed_helpers() -> None:
    assert style.format_percent(0.0342, signed=True) == "+3.4%"
    assert style.format_percent(-0.0342, signed=True) == "-3.4%"
    assert style.format_signed_currency(48210.4) == "+$48,210"
    assert style.format_signed_currency(-48210.6) == "-$48,211"
    assert style.format_ratio(None) == "n/a"
    assert style.format_currency(12.345, cents=True) == "$12.35"


def test_missing_values_are_recognised() -> None:
    for value in (None, float("nan"), np.nan, pd.NA, pd.NaT):
        assert style.is_missing(value)
    for value in (0, 0.0, "", "x", False):
        assert not style.is_missing(value)


def test_labels_read_like_a_report() -> None:
    assert style.label("cap_rate") == "Cap rate"
    assert style.label("t12_noi") == "T12 NOI"
    assert style.label("noi_yoy_change_pct") == "NOI YoY change %"
    assert style.label("dscr") == "DSCR"
    assert style.figure_label(("metrics", "noi", "mean")) == "NOI mean"
    assert style.figure_label(("metrics", "cap_rate", "max")) == "Cap rate max"


def test_figures_are_flattened_and_formatted_by_their_nearest_kind() -> None:
    figures = {
        "row_count": 60,
        "metrics": {"noi": {"mean": 5.5e6, "count": 60}, "dscr": {"min": 0.91}},
        "at_risk_ids": ["a", "b"],
        "table": pd.DataFrame({"x": [1]}),
        "rows": [{"x": 1}],
    }
    flat = dict(style.flatten_figures(figures))
    assert set(flat) == {
        ("row_count",),
        ("metrics", "noi", "mean"),
        ("metrics", "noi", "count"),
        ("metrics", "dscr", "min"),
        ("at_risk_ids",),
    }
    assert style.format_figure(("metrics", "noi", "mean"), 5.5e6) == "$5,500,000"
    assert style.format_figure(("metrics", "noi", "count"), 60) == "60"
    assert style.format_figure(("metrics", "dscr", "min"), 0.91) == "0.91x"
    assert style.format_figure(("at_risk_ids",), ["a", "b"]) == "a, b"
    assert style.format_figure(("at_risk_ids",), []) == "none"
    assert style.format_figure(("noi_yoy_change_pct",), 0.034) == "3.4%"


def test_month_helpers() -> None:
    assert style.format_month("2025-12-01") == "December 2025"
    assert style.to_date(pd.Timestamp("2024-02-01")) == dt.date(2024, 2, 1)
    assert style.to_date(None) is None
    assert math.isnan(float("nan"))


def test_definitions_follow_the_columns_shown() -> None:
    from meta_agent.reporting.definitions import definitions

    assert definitions(["property_id", "name"]) == []
    dscr = definitions(["name", "dscr"])
    assert [d.split(" ")[0] for d in dscr] == ["T12", "Annual", "DSCR"]
    risk = definitions(["at_risk_count"], threshold=1.35)
    assert any("below 1.35x" in d for d in risk)
    assert any("below 1.25x" in d for d in definitions(["at_risk"]))
    assert len(definitions(["dscr_noi_down_10", "noi_shock_pct", "cap_rate"])) == 5
