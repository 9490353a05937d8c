"""Fixtures for the portfolio tests: raw rows of the sample portfolio, and a PostgreSQL copy."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meta_agent.portfolio.engine import dispose_engines

TABLES = ("properties", "financials", "loans", "valuations", "market_data")


def sqlite_rows(path: Path, table: str) -> list[dict[str, Any]]:
    """Every row of a table, read with the standard library (not the code under test)."""
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(f"SELECT * FROM {table}")]


@pytest.fixture(scope="session")
def raw(sample_db_path: Path) -> dict[str, list[dict[str, Any]]]:
    """The sample portfolio's tables as lists of dicts."""
    return {table: sqlite_rows(sample_db_path, table) for table in TABLES}


@pytest.fixture(scope="session")
def scratch_postgres(postgres_url: str) -> Iterator[Any]:
    """A factory of empty databases on the test server, all dropped at the end of the session."""
    import sqlalchemy as sa

    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def create() -> str:
        name = f"meta_agent_portfolio_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return sa.make_url(postgres_url).set(database=name).render_as_string(hide_password=False)

    yield create
    dispose_engines()
    with admin.connect() as conn:
        for name in made:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_sample_url(scratch_postgres: Any) -> str:
    """The default sample portfolio (60 properties, seed 42) on PostgreSQL."""
    from meta_agent.portfolio.generator import generate_portfolio

    url = scratch_postgres()
    generate_portfolio(url, properties=60, seed=42)
    return url
