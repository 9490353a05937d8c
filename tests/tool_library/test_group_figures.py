"""group_figures: DOMAIN.md's figures of a group, on a small table computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from meta_agent.errors import ToolError
from meta_agent.tool_library.analysis_tools import group_figures


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "property_id": ["a", "b", "c"],
            "property_type": ["retail", "retail", "office"],
            "noi": [100.0, 50.0, 80.0],
            "debt_service": [80.0, 0.0, 100.0],
            "loan_balance": [1000.0, 0.0, 900.0],
            "value": [2000.0, 1000.0, 1000.0],
            "occupancy": [0.9, 0.5, 0.8],
            "square_feet": [1000, 3000, 1000],
            "dscr": [1.25, float("nan"), 0.8],
        }
    )


def test_ratios_of_sums_not_sums_or_means_of_ratios(table: pd.DataFrame) -> None:
    (row,) = group_figures(table, ["dscr", "cap_rate", "ltv", "debt_yield", "occupancy"]).to_dict(
        "records"
    )
    assert row["aggregate_dscr"] == pytest.approx((100 + 80) / (80 + 100))  # with debt only
    assert row["properties_with_debt"] == 2
    assert row["aggregate_cap_rate"] == pytest.approx(230 / 4000)
    assert row["aggregate_ltv"] == pytest.approx(1900 / 4000)
    assert row["aggregate_debt_yield"] == pytest.approx(180 / 1900)
    assert row["weighted_occupancy"] == pytest.approx((900 + 1500 + 800) / 5000)
    assert row["property_count"] == 3


def test_by_group_mean_median_and_share(table: pd.DataFrame) -> None:
    by_type = group_figures(table, ["dscr"], "property_type").set_index("property_type")
    assert by_type.loc["retail", "aggregate_dscr"] == pytest.approx(100 / 80)
    mean = group_figures(table, ["dscr"], "property_type", "mean").set_index("property_type")
    assert mean.loc["retail", "average_dscr"] == pytest.approx(1.25)  # the no-debt one left out
    share = group_figures(table, ["noi"], "property_type", "share").set_index("property_type")
    assert share.loc["office", "noi_share"] == pytest.approx(80 / 230)
    assert share["noi_share"].sum() == pytest.approx(1.0)


def test_nonsense_is_refused(table: pd.DataFrame) -> None:
    with pytest.raises(ToolError, match="ratio"):
        group_figures(table, ["dscr"], None, "share")
    with pytest.raises(ToolError, match="statistic"):
        group_figures(table, ["dscr"], None, "sum_of_ratios")
    with pytest.raises(ToolError, match="no group figure"):
        group_figures(table, ["year_built"])


def test_a_ratio_of_sums_leaves_out_properties_missing_either_side() -> None:
    """Properties without a valuation count on neither side of cap rate or LTV, and are named."""
    import pandas as pd

    from meta_agent.tool_library.analysis_tools import group_figures

    data = pd.DataFrame(
        {
            "property_id": ["a", "b", "c"],
            "noi": [100.0, 100.0, 100.0],
            "value": [1000.0, 2000.0, None],
            "loan_balance": [500.0, 500.0, 900.0],
        }
    )
    table = group_figures(data, ["cap_rate", "ltv"])
    row = table.iloc[0]
    assert row["aggregate_cap_rate"] == pytest.approx(200.0 / 3000.0)
    assert row["aggregate_ltv"] == pytest.approx(1000.0 / 3000.0)
    assert row["properties_without_value"] == 1
