"""The sample portfolio: build it deterministically from a seed, write it, and describe it.

``generate_portfolio(url, properties=60, seed=42)`` gives the default portfolio of DOMAIN.md; the
same seed gives the same rows on SQLite and PostgreSQL. ``portfolio_info`` summarises whatever
portfolio a database holds.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import sqlalchemy as sa

from meta_agent.errors import DatabaseError, PortfolioExists
from meta_agent.portfolio import schema
from meta_agent.portfolio.debt import loans_table, valuations_table
from meta_agent.portfolio.engine import (
    dispose_engines,
    get_engine,
    masked,
    normalize_url,
    read_only_engine,
    sqlite_path,
)
from meta_agent.portfolio.synthesis import (
    MONTHS,
    START_MONTH,
    financials_table,
    market_data_table,
    month_dates,
    properties_table,
)
from meta_agent.portfolio.writer import write_tables

logger = logging.getLogger(__name__)

GENERATOR_VERSION = "1.0.0"
MAX_PROPERTIES = 1_000_000


def build_portfolio(properties: int = 60, seed: int = 42) -> dict[str, dict[str, Any]]:
    """Every table of a sample portfolio as numpy columns, without touching a database."""
    _check_size(properties)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    props, drivers = properties_table(streams[0], properties)
    fin = financials_table(streams[1], drivers)
    noi = fin["noi"].reshape(properties, MONTHS)
    t12_noi, first_year_noi = noi[:, -12:].sum(axis=1), noi[:, :12].sum(axis=1)
    ids = props["property_id"]
    ofs = int(np.flatnonzero(ids == "orlando_fashion_square")[0])
    loans = loans_table(streams[2], drivers, t12_noi, keep_debt=ofs)
    valuations, price = valuations_table(
        streams[3], drivers, props["acquisition_date"], first_year_noi, t12_noi
    )
    props["acquisition_price"] = price
    width = max(6, len(str(len(loans["row_property"]))))
    loans["loan_id"] = np.array(
        [f"LN{i:0{width}d}" for i in range(1, len(loans["row_property"]) + 1)], dtype=object
    )
    for table in (fin, loans, valuations):
        table["property_id"] = ids[table.pop("row_property")]
    meta = {
        "seed": str(seed),
        "properties": str(properties),
        "months": str(MONTHS),
        "generator_version": GENERATOR_VERSION,
    }
    return {
        "properties": props,
        "financials": fin,
        "loans": loans,
        "valuations": valuations,
        "market_data": market_data_table(streams[4]),
        "portfolio_meta": {
            "key": np.array(list(meta), dtype=object),
            "value": np.array(list(meta.values()), dtype=object),
        },
    }


def generate_portfolio(
    database_url: str, properties: int = 60, seed: int = 42, force: bool = False
) -> dict[str, Any]:
    """Create the sample portfolio at a database URL; PortfolioExists unless empty or ``force``."""
    started = time.perf_counter()
    _check_size(properties)
    url = normalize_url(database_url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    dispose_engines(url)
    engine = get_engine(url)
    present = _portfolio_tables(engine)
    if present and not force:
        raise PortfolioExists(
            f"A portfolio already exists at {masked(url)} (tables: {', '.join(present)}); "
            "pass --force to replace it."
        )
    tables = build_portfolio(properties, seed)
    try:
        with engine.begin() as conn:
            if present:
                schema.metadata.drop_all(conn)
            schema.metadata.create_all(conn)
        write_tables(engine, tables)
    finally:
        dispose_engines(url)
    seconds = time.perf_counter() - started
    periods = month_dates(np.array([START_MONTH, START_MONTH + MONTHS - 1]))
    summary = {
        "database": masked(url),
        "seed": seed,
        "properties": properties,
        "rows": {name: len(next(iter(tables[name].values()))) for name in schema.TABLES},
        "first_period": str(periods[0]),
        "last_period": str(periods[1]),
        "seconds": round(seconds, 3),
    }
    logger.info("portfolio generated", extra=summary)
    return summary


def portfolio_info(database_url: str) -> dict[str, Any]:
    """What a portfolio database holds: counts, periods, types, markets, debt, and its seed."""
    engine = read_only_engine(database_url)
    p, f, loans = schema.properties, schema.financials, schema.loans
    loan_counts = (
        sa.select(loans.c.property_id, sa.func.count().label("n")).group_by(loans.c.property_id)
    ).subquery()
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        present = set(inspector.get_table_names()) | set(inspector.get_view_names())
        counts = {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in schema.TABLES.items()
            if name in present and name != "portfolio_meta"
        }
        first, last = conn.execute(
            sa.select(sa.func.min(f.c.period), sa.func.max(f.c.period))
        ).one()
        by_type: dict[str, int] = dict(
            conn.execute(
                sa.select(p.c.property_type, sa.func.count())
                .group_by(p.c.property_type)
                .order_by(p.c.property_type)
            ).all()
        )
        markets = conn.execute(sa.select(sa.func.count(sa.distinct(p.c.market)))).scalar_one()
        loan_row = conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(loans.c.original_balance), 0.0),
                sa.func.coalesce(sa.func.sum(loans.c.current_balance), 0.0),
                sa.func.avg(loans.c.interest_rate),
                sa.func.coalesce(
                    sa.func.sum(sa.case((loans.c.amortization_months == 0, 1), else_=0)), 0
                ),
            )
        ).one()
        two_loans = conn.execute(
            sa.select(sa.func.count()).select_from(loan_counts).where(loan_counts.c.n >= 2)
        ).scalar_one()
        no_debt = conn.execute(
            sa.select(sa.func.count())
            .select_from(p)
            .where(~sa.exists().where(loans.c.property_id == p.c.property_id))
        ).scalar_one()
        meta: dict[str, str] = {}
        if "portfolio_meta" in present:
            meta = dict(tuple(row) for row in conn.execute(sa.select(schema.portfolio_meta)))
    return {
        "database": masked(engine.url.render_as_string(hide_password=False)),
        "tables": counts,
        "first_period": first,
        "last_period": last,
        "properties_by_type": by_type,
        "markets": markets,
        "loans": {
            "count": loan_row[0],
            "original_balance": float(loan_row[1]),
            "current_balance": float(loan_row[2]),
            "average_rate": None if loan_row[3] is None else float(loan_row[3]),
            "interest_only": int(loan_row[4]),
            "properties_with_two_loans": two_loans,
        },
        "properties_without_debt": no_debt,
        "seed": int(meta["seed"]) if "seed" in meta else None,
        "generator_version": meta.get("generator_version"),
    }


def _check_size(properties: int) -> None:
    if isinstance(properties, bool) or not isinstance(properties, int):
        raise TypeError("properties must be an integer")
    if not 1 <= properties <= MAX_PROPERTIES:
        raise ValueError(f"properties must be from 1 to {MAX_PROPERTIES:,}, not {properties:,}")


def _portfolio_tables(engine: sa.Engine) -> list[str]:
    """Which of the portfolio's tables already exist (DatabaseError if the server is unreachable)."""
    try:
        with engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
    except sa.exc.DBAPIError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        raise DatabaseError(
            f"Cannot open the database at {masked(engine.url.render_as_string(hide_password=False))}"
            f" ({reason[0] if reason else type(exc).__name__}); check the URL and that the server "
            "is running and the database exists."
        ) from exc
    return [name for name in schema.TABLES if name in present]
