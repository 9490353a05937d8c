"""Read helpers shared by the database tools: connections, result tables, checks, suggestions.

Result tables are pandas DataFrames; date columns of Core queries become ``datetime64``. Errors a
user can act on (an unknown property, market or column, a refused query) are raised here as
``ToolError`` subclasses with the accepted values in the message.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
import sqlalchemy as sa

from meta_agent.errors import ToolError, UnknownProperty, UnsafeQuery
from meta_agent.portfolio.engine import read_only_engine, resolve_url
from meta_agent.portfolio.property_filter import LOOKED_UP, PropertyFilter, value_matches
from meta_agent.portfolio.schema import FINANCIAL_COLUMNS, loans, properties, valuations
from meta_agent.portfolio.sqlguard import check_select, dialect_of_url, sqlite_authorizer

FINANCIAL_ALIASES = {
    "egi": "effective_gross_income",
    "opex": "operating_expenses",
    "expenses": "operating_expenses",
    "gpr": "gross_potential_rent",
    "vacancy": "vacancy_loss",
    "net_operating_income": "noi",
}
SCALARS = (str, int, float, bool, dt.date, type(None))
MAX_SUGGESTIONS = 3


@contextmanager
def connect() -> Iterator[sa.Connection]:
    """A read-only connection to the portfolio database in force."""
    with read_only_engine().connect() as conn:
        yield conn


def frame(conn: sa.Connection, statement: sa.Select[Any]) -> pd.DataFrame:
    """Run a Core SELECT; its rows as a DataFrame, date columns as datetime64."""
    return to_frame(statement, *fetch_rows(conn, statement))


def text_rows(
    conn: sa.Connection, sql: str, params: dict[str, Any]
) -> tuple[list[str], Sequence[Any]]:
    """Run SQL text of our own (its values bound by name); its column names and plain rows."""
    return fetch_rows(conn, sa.text(sql).bindparams(**params))


def fetch_rows(conn: sa.Connection, statement: sa.Executable) -> tuple[list[str], Sequence[Any]]:
    """Run a statement; its column names and the driver's plain row tuples."""
    result = _execute(conn, statement)
    columns = list(result.keys())
    # The driver's tuples: a DataFrame is built from them several times faster than from Row
    # objects, and the one conversion SQLAlchemy would apply (dates) is done per column instead.
    rows = result.cursor.fetchall()
    result.close()
    return columns, rows


def to_frame(statement: sa.Select[Any], columns: list[str], rows: Sequence[Any]) -> pd.DataFrame:
    """Rows of a Core SELECT as a DataFrame, its Date columns as datetime64."""
    table = pd.DataFrame(rows, columns=columns)
    for column in statement.selected_columns:
        if isinstance(column.type, sa.Date) and column.name in table:
            table[column.name] = pd.to_datetime(table[column.name])
    return table


def prepare_select(query: str, params: dict[str, Any] | None) -> sa.TextClause:
    """A SELECT the guard accepts, its parameters bound; UnsafeQuery or ToolError otherwise.

    The guard reads the query in the dialect of the database in force, as the validator did.
    """
    if not isinstance(query, str):
        raise ToolError("query must be a string holding one SELECT statement.")
    checked = check_select(query, dialect_of_url(resolve_url()))
    params = {} if params is None else params
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise ToolError("params must be a dict of parameter name -> value.")
    missing = sorted(checked.parameters - set(params))
    unused = sorted(set(params) - checked.parameters)
    if missing or unused:
        raise ToolError(
            "Parameters must match the :name parameters of the query"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; not in the query: {', '.join(unused)}" if unused else "")
            + "."
        )
    binds: list[sa.BindParameter[Any]] = []
    for name, value in params.items():
        if isinstance(value, (list, tuple)):
            if not all(isinstance(v, SCALARS) for v in value):
                raise ToolError(f"Parameter {name!r} must be a list of plain values.")
            binds.append(sa.bindparam(name, value=list(value), expanding=True))
        elif isinstance(value, SCALARS):
            binds.append(sa.bindparam(name, value=value))
        else:
            raise ToolError(
                f"Parameter {name!r} must be a string, number, boolean, date, None or a list."
            )
    return sa.text(checked.sql).bindparams(*binds)


def run_select(conn: sa.Connection, statement: sa.TextClause) -> pd.DataFrame:
    """Run a prepared SELECT; its rows as a DataFrame (column types as the driver gives them).

    On SQLite the statement is compiled under ``sqlguard.sqlite_authorizer``: SQLite itself then
    refuses any table, function or action outside what the guard accepts, whatever the text.
    """
    raw = conn.connection.dbapi_connection
    sqlite_conn = raw if isinstance(raw, sqlite3.Connection) else None
    if sqlite_conn is not None:
        sqlite_conn.set_authorizer(sqlite_authorizer())
    try:
        result = _execute(conn, statement)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    finally:
        if sqlite_conn is not None:
            sqlite_conn.set_authorizer(None)


def financial_columns(metrics: list[str] | None) -> list[str]:
    """Financials columns by name or alias (egi, opex, gpr...); all of them when None."""
    if metrics is None:
        return list(FINANCIAL_COLUMNS)
    if isinstance(metrics, str):
        metrics = [metrics]
    chosen: list[str] = []
    for metric in metrics:
        key = str(metric).strip().lower()
        key = FINANCIAL_ALIASES.get(key, key)
        if key not in FINANCIAL_COLUMNS:
            raise ToolError(
                f"Unknown financial metric {metric!r}; available: {', '.join(FINANCIAL_COLUMNS)} "
                f"(aliases: {', '.join(FINANCIAL_ALIASES)})."
            )
        if key not in chosen:
            chosen.append(key)
    return chosen


def positive_int(name: str, value: int | None) -> int | None:
    """A positive whole number (or None); ToolError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ToolError(f"{name} must be a whole number of at least 1, not {value!r}.")
    return value


def require_properties(conn: sa.Connection, property_ids: list[str]) -> None:
    """UnknownProperty, with the closest names, unless every id exists."""
    known = set(
        conn.execute(
            sa.select(properties.c.property_id).where(properties.c.property_id.in_(property_ids))
        ).scalars()
    )
    unknown = [pid for pid in property_ids if pid not in known]
    if unknown:
        raise UnknownProperty(_unknown_message(conn, unknown))


def check_filter_values(
    conn: sa.Connection, selection: PropertyFilter, matched: pd.DataFrame | None
) -> None:
    """ToolError for filter values that name nothing in the portfolio (ids, markets, states, cities).

    Values found in ``matched`` (the rows a query returned) are known; only the others are looked
    up, so the common case costs no extra query.
    """
    if selection.property_ids:
        found = set() if matched is None else set(matched["property_id"])
        require_properties(conn, [p for p in selection.property_ids if p not in found])
    for field, column in LOOKED_UP:
        wanted = getattr(selection, field)
        if not wanted:
            continue
        present = [] if matched is None else matched[column].unique().tolist()
        if all(value_matches(column, value, present) for value in wanted):
            continue
        stored = sorted(conn.execute(sa.select(properties.c[column]).distinct()).scalars())
        unknown = [value for value in wanted if not value_matches(column, value, stored)]
        if unknown:
            shown = "; ".join(stored[:40]) + (" ..." if len(stored) > 40 else "")
            raise ToolError(
                f"No property is in {field[:-1] if field != 'cities' else 'city'} "
                f"{', '.join(map(repr, unknown))}; the portfolio has: {shown}."
            )


def property_record(conn: sa.Connection, property_id: str) -> dict[str, Any]:
    """The properties row, its loans and its latest valuation, as plain Python values."""
    row = (
        conn.execute(sa.select(properties).where(properties.c.property_id == property_id))
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownProperty(_unknown_message(conn, [property_id]))
    record = {key: plain(value) for key, value in row.items()}
    loan_rows = conn.execute(
        sa.select(loans).where(loans.c.property_id == property_id).order_by(loans.c.loan_id)
    ).mappings()
    record["loans"] = [{k: plain(v) for k, v in loan.items()} for loan in loan_rows]
    valuation = (
        conn.execute(
            sa.select(valuations.c.valuation_date, valuations.c.value, valuations.c.method)
            .where(valuations.c.property_id == property_id)
            .order_by(valuations.c.valuation_date.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    record["latest_valuation"] = None if valuation is None else dict(valuation)
    return record


def plain(value: Any) -> Any:
    """A table cell as a plain Python value: NaN/NaT/NA as None, numpy scalars unwrapped."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _execute(conn: sa.Connection, statement: sa.Executable) -> sa.CursorResult[Any]:
    try:
        return conn.execute(statement)
    except sa.exc.StatementError as exc:
        original = getattr(exc, "orig", None)
        reason = str(original or exc).strip().splitlines()[0]
        lowered = reason.lower()
        if "not authorized" in lowered or "is prohibited" in lowered:  # the authorizer
            raise UnsafeQuery(
                "The portfolio database is read-only and queries read only the portfolio tables "
                f"with the listed functions; SQLite refused this one ({reason})."
            ) from exc
        if "read-only" in lowered or "readonly" in lowered or "query_only" in lowered:
            raise UnsafeQuery(
                f"The portfolio database is read-only; the query tried to write ({reason})."
            ) from exc
        raise ToolError(f"The database could not run the query: {reason}") from exc


def _unknown_message(conn: sa.Connection, unknown: list[str]) -> str:
    from rapidfuzz import fuzz, process

    directory = conn.execute(sa.select(properties.c.property_id, properties.c.name)).all()
    choices = {pid: f"{pid} {name}" for pid, name in directory}
    hints = []
    for wanted in unknown:
        best = process.extract(
            wanted.replace("_", " "), choices, scorer=fuzz.WRatio, limit=MAX_SUGGESTIONS,
            score_cutoff=70,
        )  # fmt: skip
        hints += [pid for _, _, pid in best if pid not in hints]
    names = ", ".join(map(repr, unknown))
    close = f" Closest: {', '.join(hints)}." if hints else ""
    return (
        f"No property with id {names} in the portfolio.{close} "
        "`fetch_property_directory` lists every property."
    )
