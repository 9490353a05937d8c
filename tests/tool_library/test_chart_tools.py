"""chart_tools: registered reporting tools that write PNG (or SVG) charts into the results folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from meta_agent.errors import OutputPathError, ToolError
from meta_agent.tool_library import chart_tools
from meta_agent.tool_library.tool_registry import ToolRegistry

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture()
def metrics() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 12
    dscr = rng.uniform(0.9, 2.4, n)
    dscr[[2, 7]] = np.nan
    return pd.DataFrame(
        {
            "property_id": [f"p{i:02d}" for i in range(n)],
            "name": [f"Property {i}" for i in range(n)],
            "noi": rng.uniform(5e5, 5e6, n),
            "dscr": dscr,
            "cap_rate": rng.uniform(0.05, 0.09, n),
            "occupancy": rng.uniform(0.7, 1.0, n),
            "ltv": rng.uniform(0.3, 0.8, n),
        }
    )


@pytest.fixture()
def monthly() -> pd.DataFrame:
    periods = pd.date_range("2024-01-01", periods=24, freq="MS")
    return pd.DataFrame(
        {
            "period": periods.date,
            "noi": np.linspace(3.0e6, 3.4e6, 24),
            "occupancy": np.linspace(0.90, 0.93, 24),
        }
    )


def test_registered_as_reporting_tools_that_write_files() -> None:
    tools = ToolRegistry().register_module(chart_tools)
    assert [t.name for t in tools] == [
        "plot_dscr",
        "plot_trend",
        "plot_scenarios",
        "plot_comparison",
        "plot_distribution",
    ]
    for tool in tools:
        assert tool.category == "reporting"
        assert tool.side_effects == frozenset({"writes_files"})
    trend = next(t for t in tools if t.name == "plot_trend")
    assert trend.parameters["required"] == ["data", "value_columns", "filename"]
    assert trend.parameters["properties"]["value_columns"]["type"] == "array"


def test_each_tool_writes_its_chart(tmp_results: Path, metrics, monthly) -> None:
    written = [
        chart_tools.plot_dscr(metrics),
        chart_tools.plot_trend(monthly, ["noi", "occupancy"], "noi_trend.png", title="NOI trend"),
        chart_tools.plot_scenarios(
            pd.DataFrame(
                {
                    "scenario": ["base", "noi_down_10"],
                    "at_risk_count": [2, 5],
                    "average_dscr": [1.6, 1.4],
                    "min_dscr": [0.9, 0.8],
                }
            )
        ),
        chart_tools.plot_comparison(
            metrics.head(4).assign(role=["target", "peer", "peer", "peer"])
        ),
        chart_tools.plot_distribution(metrics, "dscr", threshold=1.25),
    ]
    assert written == [
        "dscr_by_property.png",
        "noi_trend.png",
        "scenario_comparison.png",
        "comparison.png",
        "dscr_distribution.png",
    ]
    for name in written:
        assert (tmp_results / name).read_bytes()[:8] == PNG
    assert not [p for p in tmp_results.iterdir() if p.name.startswith(".")]


def test_svg_on_request(tmp_results: Path, metrics) -> None:
    name = chart_tools.plot_dscr(metrics, "dscr.svg", threshold=1.35)
    text = (tmp_results / name).read_text()
    assert "<svg" in text and "1.35x" in text


def test_bad_names_and_columns_are_refused(tmp_results: Path, metrics) -> None:
    with pytest.raises(OutputPathError, match="must end with"):
        chart_tools.plot_dscr(metrics, "dscr.pdf")
    with pytest.raises(OutputPathError):
        chart_tools.plot_distribution(metrics, "dscr", "../dscr.png")
    with pytest.raises(ToolError, match="missing"):
        chart_tools.plot_distribution(metrics, "debt_yield")
    with pytest.raises(ToolError, match="missing"):
        chart_tools.plot_dscr(metrics.drop(columns=["dscr"]))
    assert list(tmp_results.iterdir()) == []
