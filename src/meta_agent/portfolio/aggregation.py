"""``aggregate_data``'s query: table, columns and functions checked against the schema, then Core.

No identifier from a request ever reaches SQL as text: tables and columns are looked up in
``schema.TABLES`` and only the schema's own objects are used; values are bind parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from meta_agent.errors import ToolError
from meta_agent.portfolio.schema import PORTFOLIO_TABLES, TABLES

FUNCTIONS: dict[str, Callable[..., sa.ColumnElement[Any]]] = {"sum": sa.func.sum, "avg": sa.func.avg, "mean": sa.func.avg, "min": sa.func.min,
             "max": sa.func.max, "count": sa.func.count}  # fmt: skip
NUMERIC_ONLY = {"sum", "avg", "mean"}
OPERATORS: dict[str, Callable[[Any, Any], sa.ColumnElement[bool]]] = {
    "<": lambda c, v: c < v, "<=": lambda c, v: c <= v, ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v, "==": lambda c, v: c == v, "=": lambda c, v: c == v,
    "!=": lambda c, v: c != v, "in": lambda c, v: c.in_(v), "not_in": lambda c, v: c.not_in(v),
}  # fmt: skip


def aggregate_statement(
    table: str,
    filters: dict[str, Any] | None,
    aggregations: dict[str, str] | None,
    group_by: list[str] | None,
) -> sa.Select[Any]:
    """The SELECT for an aggregation request; ToolError naming what is accepted otherwise."""
    source = _table(table)
    groups = [_column(source, name) for name in (group_by or [])]
    outputs: list[sa.ColumnElement[Any]] = list(groups)
    for name, function in (aggregations or {"*": "count"}).items():
        outputs.append(_aggregate(source, name, function))
    statement = sa.select(*outputs).select_from(source)
    for name, condition in (filters or {}).items():
        statement = statement.where(_condition(_column(source, name), condition))
    if groups:
        statement = statement.group_by(*groups).order_by(*groups)
    return statement


def _table(name: str) -> sa.Table:
    if not isinstance(name, str) or name not in PORTFOLIO_TABLES:
        raise ToolError(f"Unknown table {name!r}; tables: {', '.join(PORTFOLIO_TABLES)}.")
    return TABLES[name]


def _column(table: sa.Table, name: str) -> sa.Column[Any]:
    if not isinstance(name, str) or name not in table.c:
        raise ToolError(
            f"Table {table.name} has no column {name!r}; columns: {', '.join(table.c.keys())}."
        )
    return table.c[name]


def _aggregate(table: sa.Table, name: str, function: str) -> sa.ColumnElement[Any]:
    key = str(function).strip().lower()
    if key not in FUNCTIONS:
        raise ToolError(
            f"Unknown aggregation {function!r} for {name!r}; use one of sum, avg, min, max, count."
        )
    if name == "*":
        if key != "count":
            raise ToolError('"*" can only be counted: {"*": "count"}.')
        return sa.func.count().label("row_count")
    column = _column(table, name)
    if key in NUMERIC_ONLY and not isinstance(column.type, (sa.Float, sa.Integer)):
        raise ToolError(f"Cannot {key} {name!r}: it is not a numeric column.")
    if key == "count":
        return sa.func.count(column).label(f"{name}_count")
    if key in NUMERIC_ONLY:
        # avg of an integer column is NUMERIC on PostgreSQL (Decimal in Python): keep it a float.
        return sa.cast(FUNCTIONS[key](column), sa.Float).label(name)
    return FUNCTIONS[key](column).label(name)


def _condition(column: sa.Column[Any], condition: Any) -> sa.ColumnElement[bool]:
    if condition is None:
        return column.is_(None)
    if isinstance(condition, (list, tuple)):
        return column.in_([_value(column, v) for v in condition])
    if isinstance(condition, dict):
        parts = []
        for op, value in condition.items():
            if op not in OPERATORS:
                raise ToolError(
                    f"Unknown filter operator {op!r} on {column.name!r}; use one of "
                    f"{', '.join(OPERATORS)}."
                )
            if op in ("in", "not_in"):
                values = value if isinstance(value, (list, tuple)) else [value]
                parts.append(OPERATORS[op](column, [_value(column, v) for v in values]))
            else:
                parts.append(OPERATORS[op](column, _value(column, value)))
        return sa.and_(*parts)
    return OPERATORS["=="](column, _value(column, condition))


def _value(column: sa.Column[Any], value: Any) -> Any:
    """A filter value in the column's type: ISO text becomes a date for date columns."""
    if isinstance(column.type, sa.Date) and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise ToolError(f"{column.name} needs a date like 2025-12-01, not {value!r}.") from None
    if isinstance(value, (str, int, float, bool, dt.date)) or value is None:
        return value
    raise ToolError(f"Filter value for {column.name!r} must be a plain value, not {value!r}.")
