"""Map an existing PostgreSQL database onto DOMAIN.md's names, without copying or writing it.

A mapping file (YAML) says, for each DOMAIN.md table, which table of the user's database it
comes from and the SQL expression of each column (``noi_cents / 100.0``, ``rate_pct / 100``).
``apply_mapping`` checks it against the live database and creates read-only views in a schema of
our own (``meta_agent``), all in one transaction: every tool then reads the user's data through
DOMAIN.md's names, and a mapping that does not fit leaves nothing behind. The user's own tables
are only ever read.

    properties:
      from: assets                 # a table or view, optionally schema-qualified
      columns:
        property_id: asset_code
        square_feet: rentable_sf
        ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meta_agent.errors import ConfigError, DatabaseError
from meta_agent.portfolio import columns as docs
from meta_agent.portfolio.schema import PORTFOLIO_TABLES

SCHEMA = "meta_agent"
SAMPLE_ROWS = 1_000
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
SQL_TYPES = {
    "text": "TEXT",
    "money": "DOUBLE PRECISION",
    "number": "DOUBLE PRECISION",
    "fraction": "DOUBLE PRECISION",
    "integer": "INTEGER",
    "date": "DATE",
    "month": "DATE",
}
FRACTIONS = (
    ("loans", "interest_rate"),
    ("financials", "occupancy"),
    ("market_data", "avg_cap_rate"),
    ("market_data", "vacancy_rate"),
)
KEYS = {
    "properties": ["property_id"],
    "financials": ["property_id", "period"],
    "loans": ["loan_id"],
    "valuations": ["property_id", "valuation_date"],
    "market_data": ["market", "property_type", "period"],
}


class MappingRejected(ConfigError):
    """A mapping file that does not fit the database; carries every problem."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass
class MappingReport:
    """What was mapped: rows per view, and the URL to give Meta-Agent."""

    rows: dict[str, int] = field(default_factory=dict)
    url: str = ""
    disabled: list[str] = field(default_factory=list)


def load_mapping(path: Path) -> dict[str, dict[str, Any]]:
    """Read and check the mapping file's shape: known tables, known columns, plain identifiers
    in ``from``, single SQL expressions in ``columns``."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read the mapping file {path}: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path} is not valid YAML{where}: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must map DOMAIN.md table names to {{from, columns}}.")
    problems: list[str] = []
    for table in raw:
        if table not in PORTFOLIO_TABLES:
            problems.append(f"{table}: not a DOMAIN.md table; use {', '.join(PORTFOLIO_TABLES)}")
    for table in PORTFOLIO_TABLES:
        spec = raw.get(table)
        if spec is None:
            if table not in docs.OPTIONAL_TABLES:
                problems.append(f"{table}: missing; it is required")
            continue
        problems += _check_spec(table, spec)
    if problems:
        raise MappingRejected(f"{path} does not describe a portfolio:", problems)
    return {t: raw[t] for t in PORTFOLIO_TABLES if t in raw}


def _check_spec(table: str, spec: Any) -> list[str]:
    if not isinstance(spec, dict) or not isinstance(spec.get("from"), str):
        return [f"{table}: needs 'from: <table>' and 'columns: {{column: expression}}'"]
    problems = []
    if not IDENTIFIER.match(spec["from"]):
        problems.append(
            f"{table}.from: {spec['from']!r} must be a table name such as assets or ops.assets"
        )
    columns = spec.get("columns") or {}
    if not isinstance(columns, dict):
        return [*problems, f"{table}.columns: must map column names to SQL expressions"]
    for column in columns:
        if column not in docs.COLUMNS[table]:
            problems.append(
                f"{table}.columns.{column}: not a column of {table}; use {', '.join(docs.COLUMNS[table])}"
            )
    for column in docs.COLUMNS[table]:
        expression = columns.get(column)
        if expression is None:
            if column not in docs.required_columns(table) or (table, column) == (
                "loans",
                "annual_debt_service",
            ):
                continue
            problems.append(
                f"{table}.columns.{column}: missing ({docs.COLUMNS[table][column].meaning})"
            )
            continue
        problem = _expression_problem(str(expression))
        if problem:
            problems.append(f"{table}.columns.{column}: {problem}")
    return problems


def _expression_problem(expression: str) -> str | None:
    """None for one plain SQL expression over the source's columns; else why not."""
    import sqlglot
    from sqlglot import exp

    try:
        parsed = sqlglot.parse(expression, read="postgres")
    except sqlglot.errors.ParseError as exc:
        return f"{expression!r} is not a SQL expression ({str(exc).splitlines()[0]})"
    if len(parsed) != 1 or parsed[0] is None:
        return f"{expression!r} must be one expression"
    node = parsed[0]
    if isinstance(node, (exp.Query, exp.Command, exp.DDL, exp.DML)) or node.find(exp.Query):
        return f"{expression!r} must be an expression over the table's columns, not a statement"
    return None


def apply_mapping(mapping: dict[str, dict[str, Any]], database_url: str) -> MappingReport:
    """Create the ``meta_agent`` views for ``mapping`` in one transaction, after checking that
    they read, have DOMAIN.md's types, and hold no orphan or duplicate rows."""
    import sqlalchemy as sa

    from meta_agent.portfolio.engine import masked, normalize_url

    url = normalize_url(database_url)
    engine = sa.create_engine(url)
    if engine.dialect.name != "postgresql":
        raise ConfigError(
            f"db map creates views in a schema of its own and needs PostgreSQL; {masked(url)} "
            "is not. Export your data to CSV and use `meta-agent db import` instead."
        )
    report = MappingReport()
    problems: list[str] = []
    try:
        with engine.connect() as conn:
            transaction = conn.begin()
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
            for table in PORTFOLIO_TABLES:
                select = _select(table, mapping.get(table))
                try:
                    with conn.begin_nested():
                        conn.execute(
                            sa.text(f"CREATE OR REPLACE VIEW {SCHEMA}.{table} AS {select}")
                        )
                        conn.execute(
                            sa.text(f"SELECT * FROM {SCHEMA}.{table} LIMIT {SAMPLE_ROWS}")
                        ).all()
                except sa.exc.DBAPIError as exc:
                    problems.append(f"{table}: {_reason(exc)}")
            conn.execute(
                sa.text(
                    f"CREATE OR REPLACE VIEW {SCHEMA}.portfolio_meta AS "
                    "SELECT 'source'::text AS key, 'mapped database'::text AS value"
                )
            )
            if not problems:
                problems += _integrity(conn)
            if problems:
                transaction.rollback()
                raise MappingRejected(
                    "The mapping does not fit the database; nothing was created:", problems
                )
            for table in PORTFOLIO_TABLES:
                report.rows[table] = conn.execute(
                    sa.text(f"SELECT count(*) FROM {SCHEMA}.{table}")
                ).scalar_one()
            transaction.commit()
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"Cannot reach {masked(url)}: {_reason(exc)}") from None
    finally:
        engine.dispose()
    for table, what in docs.OPTIONAL_TABLES.items():
        if table not in mapping:
            report.disabled.append(f"no {table}: {what}")
    report.url = mapped_url(url)
    return report


def mapped_url(database_url: str) -> str:
    """The URL that reads through the views: the same database, ``meta_agent`` first on the
    search path."""
    import sqlalchemy as sa

    url = sa.make_url(database_url)
    return url.update_query_dict({"options": f"-csearch_path={SCHEMA}"}).render_as_string(
        hide_password=False
    )


def _select(table: str, spec: dict[str, Any] | None) -> str:
    """The view's SELECT: each column cast to its DOMAIN.md type; an unmapped optional table is
    an empty view with the right columns."""
    columns = (spec or {}).get("columns") or {}
    parts = []
    for column, doc in docs.COLUMNS[table].items():
        expression = columns.get(column)
        if expression is None and (table, column) == ("loans", "annual_debt_service"):
            expression = _debt_service_sql(columns)
        parts.append(
            f"CAST(({expression if expression is not None else 'NULL'}) AS {SQL_TYPES[doc.kind]}) AS {column}"
        )
    source = spec["from"] if spec else None
    body = ", ".join(parts)
    return f"SELECT {body} FROM {source}" if source else f"SELECT {body} WHERE FALSE"


def _debt_service_sql(columns: dict[str, Any]) -> str:
    """DOMAIN.md's loan debt service, in SQL, over the mapped loan columns."""
    balance = f"({columns['original_balance']})"
    rate = f"({columns['interest_rate']})"
    months = f"({columns['amortization_months']})"
    monthly = f"({rate} / 12.0)"
    return (
        f"CASE WHEN {months} = 0 THEN {balance} * {rate} "
        f"WHEN {rate} = 0 THEN 12.0 * {balance} / {months} "
        f"ELSE 12.0 * {balance} * {monthly} / (1 - power(1 + {monthly}, -{months})) END"
    )


def _integrity(conn: Any) -> list[str]:
    """Duplicate keys and rows pointing at no property, counted over the whole views."""
    import sqlalchemy as sa

    problems = []
    for table, keys in KEYS.items():
        joined = ", ".join(keys)
        count = conn.execute(
            sa.text(
                f"SELECT count(*) FROM (SELECT {joined} FROM {SCHEMA}.{table} GROUP BY {joined} "
                "HAVING count(*) > 1) AS repeated"
            )
        ).scalar_one()
        if count:
            problems.append(f"{table}: {count} key(s) ({joined}) appear more than once")
    for table in ("financials", "loans", "valuations"):
        orphans = conn.execute(
            sa.text(
                f"SELECT count(*) FROM {SCHEMA}.{table} AS t LEFT JOIN {SCHEMA}.properties AS p "
                "ON p.property_id = t.property_id WHERE p.property_id IS NULL"
            )
        ).scalar_one()
        if orphans:
            problems.append(f"{table}: {orphans} row(s) name a property_id that properties lacks")
    # Rates and occupancy are fractions (0.065 = 6.5%): a percentage not divided by 100, or an
    # integer division that truncated every rate to 0, would make every figure wrong.
    for table, column in FRACTIONS:
        outside, zero, total = conn.execute(
            sa.text(
                f"SELECT count(*) FILTER (WHERE {column} < 0 OR {column} > 1), "
                f"count(*) FILTER (WHERE {column} = 0), count(*) FROM {SCHEMA}.{table}"
            )
        ).one()
        if outside:
            problems.append(
                f"{table}.{column}: {outside} value(s) outside 0..1; a percentage must be divided "
                f"by 100.0 (e.g. {column}: rate_pct / 100.0)"
            )
        elif total and zero == total:
            problems.append(
                f"{table}.{column}: every value is 0; an integer division truncates (write / 100.0, "
                "not / 100)"
            )
    return problems


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", exc)
    return str(original).strip().splitlines()[0]
