"""Engines: URL resolution, caching, clear errors, and writes refused by the connection itself."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from meta_agent.errors import (
    DatabaseError,
    DatabaseMissing,
    DatabaseUnreachable,
    NotADatabase,
    PortfolioMissing,
)
from meta_agent.portfolio import schema
from meta_agent.portfolio.engine import (
    dispose_engines,
    get_engine,
    normalize_url,
    read_only_engine,
    resolve_url,
)

WRITES = (
    "DELETE FROM loans",
    "UPDATE properties SET name = 'x'",
    "INSERT INTO portfolio_meta (key, value) VALUES ('k', 'v')",
    "DROP TABLE loans",
    "CREATE TABLE stolen (x INTEGER)",
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_postgres_urls_use_psycopg_3() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_relative_sqlite_files_are_made_absolute(tmp_path: Path) -> None:
    assert normalize_url("sqlite:///p.db") == f"sqlite:///{tmp_path / 'p.db'}"


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_urls_are_refused(url: str) -> None:
    with pytest.raises(DatabaseError):
        normalize_url(url)


def test_url_in_force_is_read_at_call_time(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    assert resolve_url() == f"sqlite:///{isolated_settings / 'portfolio.db'}"
    monkeypatch.setenv("META_AGENT_DATABASE_URL", "postgresql://me@db.example/p")
    assert resolve_url() == "postgresql+psycopg://me@db.example/p"
    assert resolve_url("sqlite:////x/y.db") == "sqlite:////x/y.db"


def test_engines_are_cached_per_url(sample_db_url: str) -> None:
    assert get_engine(sample_db_url) is get_engine(sample_db_url)
    assert read_only_engine(sample_db_url) is read_only_engine()
    assert read_only_engine(sample_db_url) is not get_engine(sample_db_url)


def test_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissing, match="does not exist.*meta-agent db init") as raised:
        read_only_engine(f"sqlite:///{tmp_path / 'nothing.db'}")
    assert raised.value.exit_code == 2
    assert not (tmp_path / "nothing.db").exists()


def test_a_file_that_is_not_a_database_says_so(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(NotADatabase, match="is not a SQLite database"):
        read_only_engine(f"sqlite:///{path}")
    with pytest.raises(NotADatabase, match="is a folder"):
        read_only_engine(f"sqlite:///{tmp_path}")


def test_database_without_the_tables_says_how_to_create_them(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    with pytest.raises(PortfolioMissing, match="holds no portfolio.*meta-agent db init") as raised:
        read_only_engine(f"sqlite:///{path}")
    assert f"--database sqlite:///{path}" in str(raised.value)


def test_unreachable_server_names_host_and_port_never_the_password() -> None:
    with pytest.raises(DatabaseUnreachable, match="PostgreSQL server at 127.0.0.1:1 ") as raised:
        read_only_engine("postgresql://nobody:s3cret-pw@127.0.0.1:1/none")
    message = str(raised.value)
    assert "s3cret-pw" not in message and "refused" in message.lower()
    assert raised.value.exit_code == 2


@pytest.mark.parametrize("statement", WRITES)
def test_sqlite_read_only_connection_refuses_writes(
    sample_db_path: Path, sample_db_url: str, statement: str
) -> None:
    before = digest(sample_db_path)
    with read_only_engine(sample_db_url).connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text(statement))
        conn.commit()
    assert digest(sample_db_path) == before


def test_sqlite_read_only_connection_cannot_attach_a_writable_file(
    sample_db_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "side.db"
    with read_only_engine(sample_db_url).connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text(f"ATTACH DATABASE '{target}' AS side"))
        conn.execute(sa.text("CREATE TABLE side.copy AS SELECT * FROM loans"))
    assert not target.exists() or target.stat().st_size == 0


@pytest.mark.postgres
@pytest.mark.parametrize("statement", WRITES)
def test_postgres_read_only_connection_refuses_writes(pg_sample_url: str, statement: str) -> None:
    with read_only_engine(pg_sample_url).connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text(statement))
        conn.commit()
    with get_engine(pg_sample_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM loans")).scalar_one() > 0
        assert "stolen" not in sa.inspect(conn).get_table_names()


def test_schema_keys_indexes_and_types() -> None:
    def pk(name: str) -> list[str]:
        return [c.name for c in schema.TABLES[name].primary_key.columns]

    assert pk("properties") == ["property_id"]
    assert pk("financials") == ["property_id", "period"]
    assert pk("loans") == ["loan_id"]
    assert pk("valuations") == ["property_id", "valuation_date"]
    assert pk("market_data") == ["market", "property_type", "period"]
    leading = {
        (index.table.name, index.columns[0].name)
        for table in schema.TABLES.values()
        for index in table.indexes
    }
    assert {("loans", "property_id"), ("financials", "period")} <= leading
    for table in schema.TABLES.values():
        for column in table.columns:
            if column.name.endswith("_date") or column.name == "period":
                assert isinstance(column.type, sa.Date), column
    assert isinstance(schema.financials.c.noi.type, sa.Float)
    assert isinstance(schema.properties.c.units.type, sa.Integer)
    assert schema.properties.c.units.nullable


def test_schema_columns_are_domain_md() -> None:
    expected = {
        "properties": "property_id name property_type address city state zip market latitude "
        "longitude year_built square_feet units acquisition_date acquisition_price",
        "financials": "property_id period gross_potential_rent vacancy_loss other_income "
        "effective_gross_income operating_expenses noi capex occupancy",
        "loans": "loan_id property_id lender original_balance current_balance interest_rate "
        "amortization_months term_months origination_date maturity_date annual_debt_service",
        "valuations": "property_id valuation_date value method",
        "market_data": "market property_type period avg_cap_rate avg_rent_psf vacancy_rate",
    }
    for table, columns in expected.items():
        assert schema.column_names(table) == columns.split()


def test_dispose_forgets_engines(sample_db_url: str) -> None:
    first = read_only_engine(sample_db_url)
    dispose_engines(sample_db_url)
    assert read_only_engine(sample_db_url) is not first
