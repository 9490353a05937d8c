"""The metrics query read from a SQLite file with sqlite3 alone: the same table as through
SQLAlchemy, the same errors, read-only, and no SQLAlchemy loaded on the way."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from meta_agent.errors import ToolError
from meta_agent.portfolio import sqlite_direct
from meta_agent.portfolio.metrics_sql import metrics_query
from meta_agent.portfolio.property_filter import PropertyFilter

FILTERS: list[dict[str, Any]] = [
    {},
    {"property_types": ["retail"]},
    {"property_types": ["Apartments", "hotels"]},
    {"markets": ["Orlando"]},
    {"markets": ["dallas,tx", "Tampa"]},
    {"states": ["Florida", "tx"]},
    {"cities": [" ORLANDO "]},
    {"property_ids": ["orlando_fashion_square"]},
    {"property_types": ["office"], "states": ["TX"], "markets": ["Dallas"]},
    {"property_ids": []},
    {"markets": []},
]


@pytest.mark.parametrize("arguments", FILTERS, ids=lambda a: json.dumps(a))
def test_the_direct_read_gives_the_table_sqlalchemy_gives(
    arguments: dict[str, Any], sample_db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

    # sqlite+pysqlite:/// is the same file, but not a plain URL: the SQLAlchemy path reads it.
    monkeypatch.setenv("META_AGENT_DATABASE_URL", f"sqlite+pysqlite:///{sample_db_path}")
    assert sqlite_direct.open_portfolio() is None
    through_sqlalchemy = fetch_portfolio_metrics(**arguments)
    monkeypatch.setenv("META_AGENT_DATABASE_URL", f"sqlite:///{sample_db_path}")
    sql, params = metrics_query(PropertyFilter.build(**arguments))
    assert sqlite_direct.select(sql, params) is not None
    direct = fetch_portfolio_metrics(**arguments)
    pd.testing.assert_frame_equal(direct, through_sqlalchemy)
    assert str(direct["latest_period"].dtype).startswith("datetime64")


def test_a_value_that_names_nothing_still_gets_the_list_of_what_exists(sample_db_url: str) -> None:
    from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

    with pytest.raises(ToolError, match=r"No property is in market 'Atlantis'.*Orlando, FL"):
        fetch_portfolio_metrics(markets=["Atlantis"])
    with pytest.raises(ToolError, match=r"No property with id 'orlando_fashion_sq'"):
        fetch_portfolio_metrics(property_ids=["orlando_fashion_sq"])


def test_filter_values_are_bound_and_like_wildcards_are_literal(sample_db_url: str) -> None:
    """A market value with % or _ matches only itself: nothing here."""
    selection = PropertyFilter.build(markets=["%"], cities=["x' OR 1=1 --"])
    found = selection.sql()
    assert found is not None
    text, params = found
    assert "%" not in text and "OR 1=1" not in text
    assert params["pf_city_market_0"] == "\\%, %"
    found_rows = sqlite_direct.select(*metrics_query(selection))
    assert found_rows is not None
    assert list(found_rows[1]) == []


def test_a_run_reading_a_sqlite_file_never_loads_sqlalchemy(sample_db_path: Path) -> None:
    code = (
        "import sys\n"
        "from meta_agent.tool_library.database_tools import fetch_portfolio_metrics\n"
        "table = fetch_portfolio_metrics(property_types=['retail'])\n"
        "print(len(table), 'sqlalchemy' in sys.modules)\n"
    )
    env = {"META_AGENT_DATABASE_URL": f"sqlite:///{sample_db_path}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], env=env, capture_output=True, text=True, check=True
    )
    count, loaded = done.stdout.split()
    assert int(count) > 0
    assert loaded == "False"


def test_the_connection_cannot_write(sample_db_path: Path) -> None:
    connection = sqlite_direct.connect_read_only(sample_db_path)
    try:
        for statement in ("DELETE FROM loans", "CREATE TABLE t (x)", "PRAGMA query_only = OFF"):
            try:
                connection.execute(statement)
            except sqlite3.Error:
                continue
            # query_only can be switched off, but the file is still opened read-only
            with pytest.raises(sqlite3.OperationalError, match="readonly"):
                connection.execute("DELETE FROM loans")
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////data/portfolio.db", "/data/portfolio.db"),
        ("sqlite:///portfolio.db", "portfolio.db"),
        ("sqlite:////data/portfolio.db?mode=ro", None),
        ("sqlite:////data/port%20folio.db", None),
        ("sqlite+pysqlite:////data/portfolio.db", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file:portfolio.db", None),
        ("sqlite:///~/portfolio.db", None),
        ("postgresql://user@host/db", None),
        ("", None),
        (None, None),
    ],
)
def test_only_plain_sqlite_urls_are_read_directly(url: str | None, expected: str | None) -> None:
    found = sqlite_direct.plain_file(url)
    assert (None if found is None else str(found)) == expected


def test_what_is_not_a_portfolio_is_left_to_sqlalchemy(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    for path in (garbage, empty, tmp_path / "missing.db", tmp_path):
        assert sqlite_direct.open_portfolio(f"sqlite:///{path}") is None
        assert sqlite_direct.select("SELECT 1", {}, f"sqlite:///{path}") is None
    assert not (tmp_path / "missing.db").exists()
