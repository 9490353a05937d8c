"""The sample portfolio on PostgreSQL: the same rows as SQLite, the same protections."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from meta_agent.errors import DatabaseError, PortfolioExists
from meta_agent.portfolio.engine import get_engine
from meta_agent.portfolio.generator import generate_portfolio, portfolio_info

pytestmark = pytest.mark.postgres

TABLES = ("properties", "financials", "loans", "valuations", "market_data", "portfolio_meta")


def rows(url: str, table: str) -> list[tuple[Any, ...]]:
    """A table's rows, dates as ISO text (how SQLite stores them), sorted."""
    with get_engine(url).connect() as conn:
        found = conn.execute(sa.text(f"SELECT * FROM {table}")).all()
    return sorted(
        tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row) for row in found
    )


@pytest.mark.parametrize("table", TABLES)
def test_postgres_holds_exactly_the_sqlite_rows(
    sample_db_url: str, pg_sample_url: str, table: str
) -> None:
    assert rows(pg_sample_url, table) == rows(sample_db_url, table)


def test_identities_hold_on_postgres(pg_sample_url: str) -> None:
    with get_engine(pg_sample_url).connect() as conn:
        worst = conn.execute(
            sa.text(
                "SELECT max(abs(effective_gross_income - (gross_potential_rent - vacancy_loss"
                " + other_income))), max(abs(noi - (effective_gross_income - operating_expenses)))"
                " FROM financials"
            )
        ).one()
    assert max(worst) < 0.005


def test_postgres_info_matches_sqlite(sample_db_url: str, pg_sample_url: str) -> None:
    on_pg, on_sqlite = portfolio_info(pg_sample_url), portfolio_info(sample_db_url)
    on_pg.pop("database"), on_sqlite.pop("database")
    assert on_pg["loans"].pop("average_rate") == pytest.approx(
        on_sqlite["loans"].pop("average_rate")
    )
    assert on_pg == on_sqlite


def test_postgres_refuses_to_overwrite_without_force(scratch_postgres: Any) -> None:
    url = scratch_postgres()
    generate_portfolio(url, properties=8, seed=5)
    with pytest.raises(PortfolioExists, match="--force"):
        generate_portfolio(url, properties=8, seed=6)
    generate_portfolio(url, properties=9, seed=6, force=True)
    info = portfolio_info(url)
    assert info["seed"] == 6 and info["tables"]["properties"] == 9


def test_missing_postgres_database_is_a_database_error(postgres_url: str) -> None:
    url = sa.make_url(postgres_url).set(database="meta_agent_no_such_database")
    with pytest.raises(DatabaseError):
        generate_portfolio(url.render_as_string(hide_password=False))
