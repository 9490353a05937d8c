"""A registry of fake tools with the CONTRACTS.md signatures, for validating scripts offline."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pytest

from meta_agent.scripts.validate import ScriptValidator
from meta_agent.tool_library.tool_registry import ToolRegistry, build_tool, tool

if TYPE_CHECKING:
    import pandas as pd

PACKAGE = "meta_agent.tool_library"


@tool(category="database", side_effects=["reads_database"])
def fetch_portfolio_metrics(
    property_ids: list[str] | None = None,
    property_types: list[str] | None = None,
    markets: list[str] | None = None,
    states: list[str] | None = None,
    cities: list[str] | None = None,
) -> pd.DataFrame:
    """One row per property with the portfolio metrics."""
    raise NotImplementedError


@tool(category="database", side_effects=["reads_database"])
def query_database(query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """One parameterised SELECT."""
    raise NotImplementedError


@tool(category="database", side_effects=["reads_database"])
def batch_query(queries: list[dict[str, Any]]) -> list[pd.DataFrame]:
    """Several parameterised SELECTs."""
    raise NotImplementedError


@tool(category="database", side_effects=["reads_database"])
def fetch_loans(property_ids: list[str] | None = None) -> pd.DataFrame:
    """Loans with the property name."""
    raise NotImplementedError


@tool(category="database", side_effects=["reads_database"])
def fetch_monthly_performance(
    property_ids: list[str] | None = None,
    property_types: list[str] | None = None,
    markets: list[str] | None = None,
    months: int | None = None,
) -> pd.DataFrame:
    """Portfolio totals per month."""
    raise NotImplementedError


@tool(category="database", side_effects=["reads_database"])
def fetch_financial_data(
    property_id: str, metrics: list[str] | None = None, months: int | None = None
) -> pd.DataFrame:
    """Monthly rows of one property."""
    raise NotImplementedError


@tool(category="analysis")
def flag_at_risk(data: pd.DataFrame, threshold: float = 1.25) -> pd.DataFrame:
    """Add the at_risk column."""
    raise NotImplementedError


@tool(category="analysis")
def trend_analysis(
    data: pd.DataFrame, value_column: str = "noi", period_column: str = "period"
) -> dict[str, Any]:
    """Month-over-month and year-over-year figures."""
    raise NotImplementedError


@tool(category="analysis", side_effects=["reads_database"])
def comparative_analysis(
    property_id: str,
    n: int = 5,
    metrics: pd.DataFrame | None = None,
    peer_ids: list[str] | None = None,
) -> pd.DataFrame:
    """A property against its peers."""
    raise NotImplementedError


@tool(category="analysis")
def scenario_analysis(
    base_case: pd.DataFrame,
    scenarios: list[dict[str, Any]],
    loans: pd.DataFrame | None = None,
    threshold: float = 1.25,
) -> pd.DataFrame:
    """DSCR under NOI and rate shocks."""
    raise NotImplementedError


@tool(category="analysis")
def scenario_summary(results: pd.DataFrame, threshold: float = 1.25) -> pd.DataFrame:
    """At-risk counts per scenario."""
    raise NotImplementedError


@tool(category="analysis")
def outlier_detection(
    data: pd.DataFrame, column: str, method: str = "iqr", threshold: float | None = None
) -> pd.DataFrame:
    """Flag outliers of one column."""
    raise NotImplementedError


@tool(category="data")
def rank_data(
    data: pd.DataFrame, by: str, descending: bool = False, limit: int | None = None
) -> pd.DataFrame:
    """Sort by a column, NaN last."""
    raise NotImplementedError


@tool(category="data")
def filter_data(data: pd.DataFrame, conditions: list[dict[str, Any]]) -> pd.DataFrame:
    """Keep rows matching every condition."""
    raise NotImplementedError


@tool(category="data")
def summarize_results(
    data: pd.DataFrame, metrics: list[str] | None = None, threshold: float | None = None
) -> dict[str, Any]:
    """The main figures of a table."""
    raise NotImplementedError


@tool(category="data", side_effects=["writes_files"])
def export_to_csv(data: pd.DataFrame, filename: str) -> str:
    """Write a CSV file."""
    raise NotImplementedError


@tool(category="data", side_effects=["writes_files"])
def export_to_excel(
    sheets: dict[str, pd.DataFrame] | pd.DataFrame,
    filename: str,
    title: str | None = None,
    summary: dict[str, Any] | None = None,
    charts: list[dict[str, Any]] | None = None,
) -> str:
    """Write an Excel workbook."""
    raise NotImplementedError


@tool(category="data", side_effects=["writes_files"])
def write_results_json(summary: dict[str, Any], filename: str = "results.json") -> str:
    """Write the summary as JSON."""
    raise NotImplementedError


@tool(category="reporting", side_effects=["writes_files"])
def plot_dscr(
    data: pd.DataFrame, filename: str = "dscr_by_property.png", threshold: float = 1.25
) -> str:
    """Bar chart of DSCR."""
    raise NotImplementedError


@tool(category="reporting", side_effects=["writes_files"])
def plot_trend(
    data: pd.DataFrame,
    value_columns: list[str],
    filename: str,
    title: str | None = None,
    period_column: str = "period",
) -> str:
    """Line chart over the months."""
    raise NotImplementedError


@tool(category="reporting", side_effects=["writes_files"])
def plot_scenarios(summary: pd.DataFrame, filename: str = "scenario_comparison.png") -> str:
    """At-risk counts per scenario."""
    raise NotImplementedError


@tool(category="reporting", side_effects=["writes_files"])
def plot_comparison(
    data: pd.DataFrame, metrics: list[str] | None = None, filename: str = "comparison.png"
) -> str:
    """A target against its peers."""
    raise NotImplementedError


@tool(category="reporting", side_effects=["writes_files"])
def plot_distribution(
    data: pd.DataFrame, column: str, filename: str | None = None, threshold: float | None = None
) -> str:
    """Histogram of one column."""
    raise NotImplementedError


MODULES = {
    "database_tools": [
        fetch_portfolio_metrics,
        query_database,
        batch_query,
        fetch_loans,
        fetch_monthly_performance,
        fetch_financial_data,
    ],
    "analysis_tools": [
        flag_at_risk,
        trend_analysis,
        comparative_analysis,
        scenario_analysis,
        scenario_summary,
        outlier_detection,
    ],
    "data_tools": [
        rank_data,
        filter_data,
        summarize_results,
        export_to_csv,
        export_to_excel,
        write_results_json,
    ],
    "chart_tools": [plot_dscr, plot_trend, plot_scenarios, plot_comparison, plot_distribution],
}


def build_fake_registry() -> ToolRegistry:
    """The fake tools, registered as if they lived in the built-in tool modules."""
    registry = ToolRegistry()
    for module, functions in MODULES.items():
        for function in functions:
            registry.register(
                dataclasses.replace(build_tool(function), module=f"{PACKAGE}.{module}")
            )
    return registry


@pytest.fixture(scope="session")
def fake_registry() -> ToolRegistry:
    return build_fake_registry()


@pytest.fixture(scope="session")
def validator(fake_registry: ToolRegistry) -> ScriptValidator:
    return ScriptValidator(fake_registry)
