"""Shared fixtures: an isolated data folder per test, the sample portfolio, PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get(
    "META_AGENT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the data folder, runs folder and results folder of every test at tmp_path."""
    for name in list(os.environ):
        if name.startswith("META_AGENT_") and name != "META_AGENT_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    data_dir = tmp_path / "meta-agent-data"
    monkeypatch.setenv("META_AGENT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("META_AGENT_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.chdir(tmp_path)
    return data_dir


@pytest.fixture(scope="session")
def sample_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default 60-property sample portfolio (seed 42) in a SQLite file, built once."""
    from meta_agent.portfolio.generator import generate_portfolio

    path = tmp_path_factory.mktemp("portfolio") / "portfolio.db"
    generate_portfolio(f"sqlite:///{path}", properties=60, seed=42)
    return path


@pytest.fixture()
def sample_db_url(sample_db_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """URL of the sample portfolio, also set as META_AGENT_DATABASE_URL for tools."""
    url = f"sqlite:///{sample_db_path}"
    monkeypatch.setenv("META_AGENT_DATABASE_URL", url)
    return url


@pytest.fixture()
def tmp_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh results folder, set as META_AGENT_RESULTS_DIR."""
    folder = tmp_path / "results"
    folder.mkdir(exist_ok=True)
    monkeypatch.setenv("META_AGENT_RESULTS_DIR", str(folder))
    return folder


def _postgres_reachable(url: str) -> str | None:
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


def _require_postgres() -> None:
    """Skip when the test PostgreSQL server is unreachable; under CI=true, fail instead."""
    problem = _postgres_reachable(POSTGRES_URL)
    if problem:
        message = f"PostgreSQL at {POSTGRES_URL} is unreachable ({problem})"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI=true requires it.")
        pytest.skip(message)


@pytest.fixture()
def postgres_history_url() -> Iterator[str]:
    """A run history URL on the test PostgreSQL server, in a schema of this test's own.

    The schema is named uniquely and dropped afterwards, so parallel runs never meet.
    """
    _require_postgres()
    import uuid

    import sqlalchemy as sa

    schema = f"meta_agent_history_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = sa.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The test PostgreSQL server; skipped when unreachable, a failure under CI=true."""
    _require_postgres()
    import uuid

    import sqlalchemy as sa

    # A database of our own per session, so parallel test runs never see each other's tables.
    name = f"meta_agent_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
