"""Database tools: read the portfolio, read-only, into the tables every other tool works with.

Every tool reads the database in ``META_AGENT_DATABASE_URL`` (else the default portfolio) through
a read-only connection, so a write fails at the driver even if it got past validation:
``read_only_engine``, or for the metrics of a SQLite file the same read-only sqlite3 connection
without SQLAlchemy (``portfolio.sqlite_direct``). Free-form SQL (``query_database``,
``batch_query``) must be one parameterised SELECT; everything else is our own SQL (SQLAlchemy Core,
or the metrics query's text) with validated identifiers and bind parameters. Metric definitions are
DOMAIN.md's: T12 NOI over the latest 12 months, DSCR = NOI / annual debt service (NaN with no
debt), cap rate and LTV against the latest valuation, debt yield = NOI / loan balance.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ToolError
from meta_agent.tool_library.tool_registry import tool

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

DIRECTORY_COLUMNS = ("property_id", "name", "property_type", "city", "state", "market")


@tool(category="database", side_effects=["reads_database"])
def query_database(query: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run one parameterised read-only SELECT on the portfolio database and return its rows.

    Args:
        query: a single SELECT (or WITH ... SELECT); pass values as :name parameters.
        params: the value of each :name parameter; a list expands into an IN (...) list.
    """
    from meta_agent.portfolio import fetch

    statement = fetch.prepare_select(query, params)
    with fetch.connect() as conn:
        return fetch.run_select(conn, statement)


@tool(category="database", side_effects=["reads_database"])
def batch_query(queries: list[dict[str, Any]]) -> list[pd.DataFrame]:
    """Run several read-only SELECTs, each {"query": ..., "params": ...}; all are checked first.

    Args:
        queries: one {"query": str, "params": dict | None} per result, in order.
    """
    from meta_agent.portfolio import fetch

    if not isinstance(queries, list) or not queries:
        raise ToolError('queries must be a non-empty list of {"query": ..., "params": ...}.')
    statements = []
    for position, item in enumerate(queries, start=1):
        if not isinstance(item, dict) or "query" not in item or set(item) - {"query", "params"}:
            raise ToolError(
                f'Query {position} must be a dict with "query" and optional "params" keys.'
            )
        statements.append(fetch.prepare_select(item["query"], item.get("params")))
    with fetch.connect() as conn:
        return [fetch.run_select(conn, statement) for statement in statements]


@tool(
    category="database",
    side_effects=["reads_database"],
    intents=("metrics", "ranking", "aggregation", "count", "scenario", "outliers", "correlation"),
    columns=(
        "property_id", "name", "property_type", "market", "state", "city", "noi", "egi",
        "operating_expenses", "expense_ratio", "debt_service", "loan_balance", "value", "dscr",
        "cap_rate", "ltv", "debt_yield", "occupancy", "square_feet", "units", "year_built",
        "loan_count", "has_debt",
    ),
)  # fmt: skip
def fetch_portfolio_metrics(
    property_ids: list[str] | None = None,
    property_types: list[str] | None = None,
    markets: list[str] | None = None,
    states: list[str] | None = None,
    cities: list[str] | None = None,
) -> pd.DataFrame:
    """T12 NOI, debt service, DSCR, cap rate, LTV, debt yield and occupancy, one row per property.

    Args:
        property_ids: only these properties.
        property_types: only these types (retail, office, multifamily, industrial, hotel, mixed_use).
        markets: only these markets, e.g. "Orlando, FL" (or just "Orlando").
        states: only these states, as codes ("TX") or names ("Texas").
        cities: only these cities.
    """
    from meta_agent.portfolio import sqlite_direct
    from meta_agent.portfolio.metrics_sql import metrics_query, metrics_table
    from meta_agent.portfolio.property_filter import PropertyFilter

    selection = PropertyFilter.build(property_ids, property_types, markets, states, cities)
    sql, params = metrics_query(selection)
    found = sqlite_direct.select(sql, params)  # a SQLite file: no SQLAlchemy needed (~60 ms)
    if found is not None:
        table = metrics_table(*found)
        if selection.all_found(table):
            return table
    from meta_agent.portfolio import fetch  # any other database, or a value to look up

    with fetch.connect() as conn:
        table = metrics_table(*fetch.text_rows(conn, sql, params))
        fetch.check_filter_values(conn, selection, table)
    return table


@tool(category="database", side_effects=["reads_database"])
def fetch_property_data(property_id: str) -> dict[str, Any]:
    """One property: its details, its loans, its latest valuation and its latest metrics.

    Args:
        property_id: the property's id, e.g. "orlando_fashion_square".
    """
    from meta_agent.portfolio import fetch

    metrics = fetch_portfolio_metrics(property_ids=[property_id])
    with fetch.connect() as conn:
        details = fetch.property_record(conn, property_id)
    row = metrics.iloc[0].to_dict()
    details["metrics"] = {key: fetch.plain(value) for key, value in row.items()}
    return details


@tool(category="database", side_effects=["reads_database"])
def fetch_financial_data(
    property_id: str, metrics: list[str] | None = None, months: int | None = None
) -> pd.DataFrame:
    """A property's monthly statements, oldest first: ``period`` plus the requested columns.

    Args:
        property_id: the property's id.
        metrics: financials columns (noi, effective_gross_income or egi, operating_expenses or
            opex, gross_potential_rent, vacancy_loss, other_income, capex, occupancy); all if None.
        months: only the latest N months.
    """
    import sqlalchemy as sa

    from meta_agent.portfolio import fetch
    from meta_agent.portfolio.schema import financials

    columns = fetch.financial_columns(metrics)
    limit = fetch.positive_int("months", months)
    statement = (
        sa.select(financials.c.period, *(financials.c[c] for c in columns))
        .where(financials.c.property_id == property_id)
        .order_by(financials.c.period.desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    with fetch.connect() as conn:
        frame = fetch.frame(conn, statement)
        if frame.empty:
            fetch.require_properties(conn, [property_id])
    return frame.iloc[::-1].reset_index(drop=True)


@tool(category="database", side_effects=["reads_database"], intents=("loans",))
def fetch_loans(property_ids: list[str] | None = None) -> pd.DataFrame:
    """Every loan (or those of some properties) with the property's name, by property then loan.

    Args:
        property_ids: only the loans of these properties.
    """
    import sqlalchemy as sa

    from meta_agent.portfolio import fetch
    from meta_agent.portfolio.property_filter import PropertyFilter
    from meta_agent.portfolio.schema import loans, properties

    selection = PropertyFilter.build(property_ids=property_ids)
    columns = [c for c in loans.c if c.name != "property_id"]
    statement = (
        sa.select(loans.c.loan_id, loans.c.property_id, properties.c.name, *columns[1:])
        .select_from(loans.join(properties, properties.c.property_id == loans.c.property_id))
        .order_by(loans.c.property_id, loans.c.loan_id)
    )
    condition = selection.condition()
    if condition is not None:
        statement = statement.where(condition)
    with fetch.connect() as conn:
        frame = fetch.frame(conn, statement)
        fetch.check_filter_values(conn, selection, None)
    return frame


@tool(category="database", side_effects=["reads_database"], intents=("trend", "report"))
def fetch_monthly_performance(
    property_ids: list[str] | None = None,
    property_types: list[str] | None = None,
    markets: list[str] | None = None,
    months: int | None = None,
) -> pd.DataFrame:
    """Portfolio totals per month: NOI, EGI, opex, GPR, occupancy weighted by square feet, count.

    Args:
        property_ids: only these properties.
        property_types: only these property types.
        markets: only these markets.
        months: only the latest N months.
    """
    from meta_agent.portfolio import fetch, queries
    from meta_agent.portfolio.property_filter import PropertyFilter

    selection = PropertyFilter.build(property_ids, property_types, markets)
    limit = fetch.positive_int("months", months)
    statement = queries.monthly_performance_query(selection.condition())
    with fetch.connect() as conn:
        frame = fetch.frame(conn, statement)
        fetch.check_filter_values(conn, selection, None)
    frame["property_count"] = frame["property_count"].astype("int64")
    if limit is not None:
        frame = frame.tail(limit)
    return frame.reset_index(drop=True)


@tool(category="database", side_effects=["reads_database"])
def fetch_property_directory() -> pd.DataFrame:
    """Every property's id, name, type, city, state and market, sorted by id (to resolve names)."""
    import sqlalchemy as sa

    from meta_agent.portfolio import fetch
    from meta_agent.portfolio.schema import properties

    statement = sa.select(*(properties.c[c] for c in DIRECTORY_COLUMNS)).order_by(
        properties.c.property_id
    )
    with fetch.connect() as conn:
        return fetch.frame(conn, statement)


@tool(category="database", side_effects=["reads_database"])
def aggregate_data(
    table: str,
    filters: dict[str, Any] | None = None,
    aggregations: dict[str, str] | None = None,
    group_by: list[str] | None = None,
) -> pd.DataFrame:
    """Aggregate a portfolio table (sum, avg, min, max, count), optionally filtered and grouped.

    Args:
        table: properties, financials, loans, valuations or market_data.
        filters: {column: value} for equality, {column: [values]} for IN, {column: None} for
            IS NULL, or {column: {"op": value}} with op one of < <= > >= == !=.
        aggregations: {column: "sum" | "avg" | "min" | "max" | "count"}, "*" counts rows;
            results keep the column's name ("<column>_count" for counts, "row_count" for "*").
        group_by: columns to group by; they come first in the result, which is sorted by them.
    """
    from meta_agent.portfolio import aggregation, fetch

    statement = aggregation.aggregate_statement(table, filters, aggregations, group_by)
    with fetch.connect() as conn:
        return fetch.frame(conn, statement)
