"""Chart tools: DSCR by property, trends, scenarios, peer comparison and distributions.

Each tool draws one chart into the run's results folder (PNG, or SVG when the file name ends with
``.svg``) and returns the file name. The drawing lives in ``meta_agent.reporting.charts``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
from meta_agent.tool_library.tool_registry import tool

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

CHART_SUFFIXES = (".png", ".svg")


@tool(category="reporting", version="1.0.0", side_effects=["writes_files"])
def plot_dscr(
    data: pd.DataFrame,
    filename: str = "dscr_by_property.png",
    threshold: float = DEFAULT_AT_RISK_THRESHOLD,
) -> str:
    """Bar chart of DSCR by property, worst first, with the at-risk threshold drawn and at-risk bars in red.

    Args:
        data: one row per property with `dscr` and `name` (or `property_id`); no-debt rows are noted, not drawn.
        filename: a .png or .svg name in the results folder.
        threshold: DSCR below which a property is at risk.
    """
    from meta_agent.reporting import charts
    from meta_agent.tool_library.outputs import results_path

    charts.dscr_chart(data, results_path(filename, CHART_SUFFIXES), threshold)
    return filename


@tool(category="reporting", version="1.0.0", side_effects=["writes_files"])
def plot_trend(
    data: pd.DataFrame,
    value_columns: list[str],
    filename: str,
    title: str | None = None,
    period_column: str = "period",
) -> str:
    """Line chart of metrics over the months, one panel per unit (dollars, percentages, ratios).

    Args:
        data: monthly rows, e.g. fetch_monthly_performance() or a trend_analysis series.
        value_columns: the columns to draw, e.g. ["noi", "occupancy"].
        filename: a .png or .svg name in the results folder.
        title: the chart title; by default built from the column names.
        period_column: the column holding the month.
    """
    from meta_agent.reporting import charts
    from meta_agent.tool_library.outputs import results_path

    charts.trend_chart(
        data, value_columns, results_path(filename, CHART_SUFFIXES), title, period_column
    )
    return filename


@tool(category="reporting", version="1.0.0", side_effects=["writes_files"])
def plot_scenarios(summary: pd.DataFrame, filename: str = "scenario_comparison.png") -> str:
    """Scenario comparison: at-risk count and average / minimum DSCR per scenario.

    Args:
        summary: scenario_summary() output (or scenario_analysis() rows, summarised here).
        filename: a .png or .svg name in the results folder.
    """
    from meta_agent.reporting import charts
    from meta_agent.tool_library.outputs import results_path

    charts.scenario_chart(summary, results_path(filename, CHART_SUFFIXES))
    return filename


@tool(category="reporting", version="1.0.0", side_effects=["writes_files"])
def plot_comparison(
    data: pd.DataFrame, metrics: list[str] | None = None, filename: str = "comparison.png"
) -> str:
    """Target-versus-peers chart: one panel per metric, the target and the peer average highlighted.

    Args:
        data: comparative_analysis() output (`role` column: target, peer, peer_average).
        metrics: the metrics to show; default noi, dscr, cap_rate, occupancy, ltv, debt_yield.
        filename: a .png or .svg name in the results folder.
    """
    from meta_agent.reporting import charts
    from meta_agent.tool_library.outputs import results_path

    charts.comparison_chart(data, results_path(filename, CHART_SUFFIXES), metrics)
    return filename


@tool(category="reporting", version="1.0.0", side_effects=["writes_files"])
def plot_distribution(
    data: pd.DataFrame,
    column: str,
    filename: str | None = None,
    threshold: float | None = None,
) -> str:
    """Histogram of one metric across the portfolio, with the median and an optional threshold.

    Args:
        data: one row per property.
        column: the metric, e.g. "dscr" or "cap_rate".
        filename: a .png or .svg name; default `<column>_distribution.png`.
        threshold: a value to draw (bars below it in red), e.g. 1.25 for DSCR.
    """
    from meta_agent.reporting import charts
    from meta_agent.tool_library.outputs import results_path

    name = filename or f"{column}_distribution.png"
    charts.distribution_chart(data, column, results_path(name, CHART_SUFFIXES), threshold)
    return name
