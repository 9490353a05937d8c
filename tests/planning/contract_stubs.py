"""Stand-ins for the database tools of docs/CONTRACTS.md, used only while that family is missing.

Each has the contract's exact signature and reports the real module, so plans can be rendered and
validated as scripts before ``database_tools`` lands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meta_agent.tool_library.tool_registry import tool

if TYPE_CHECKING:
    import pandas as pd

MODULE = "meta_agent.tool_library.database_tools"


@tool(category="database", side_effects=["reads_database"])
def query_database(query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """One parameterised SELECT."""
    raise NotImplementedError


@tool(category="database", side_effects=["reads_database"])
def fetch_financial_data(
    property_id: str, metrics: list[str] | None = None, months: int | None = None
) -> pd.DataFrame:
    """Monthly rows of one property."""
    raise NotImplementedError


@tool(category="database", side_effects=["reads_database"])
def fetch_portfolio_metrics(
    property_ids: list[str] | None = None,
    property_types: list[str] | None = None,
    markets: list[str] | None = None,
    states: list[str] | None = None,
    cities: list[str] | None = None,
) -> pd.DataFrame:
    """One row per property."""
    raise NotImplementedError


@tool(category="database", side_effects=["reads_database"])
def fetch_loans(property_ids: list[str] | None = None) -> pd.DataFrame:
    """Loan rows."""
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


STUBS = (
    query_database,
    fetch_financial_data,
    fetch_portfolio_metrics,
    fetch_loans,
    fetch_monthly_performance,
)
for _stub in STUBS:
    _stub.__module__ = MODULE
