"""A SQLite portfolio read with the standard library's sqlite3 alone, for the query every run makes.

In a sandboxed run, importing SQLAlchemy costs ~60 ms before any row is read. A run that only
needs the metrics query (``metrics_sql``) on a plain SQLite file opens it here instead, read-only
in the same two ways as the SQLAlchemy engine (``connect_read_only``, which the engine uses too).
Whatever is unusual (a URL with options, a missing file, no portfolio tables, a driver error)
gives None, and the caller takes the SQLAlchemy path, which names the problem.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meta_agent.portfolio.provision import REQUIRED_TABLES

DATABASE_URL_ENV = "META_AGENT_DATABASE_URL"
PLAIN_PREFIX = "sqlite:///"


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write: the file opened with mode=ro, and query_only on."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                 check_same_thread=False)  # fmt: skip
    try:
        connection.execute("PRAGMA query_only = ON")
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def plain_file(database_url: str | None) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (no driver, no options, nothing escaped);
    None otherwise."""
    if not database_url or not database_url.startswith(PLAIN_PREFIX):
        return None
    path = database_url.removeprefix(PLAIN_PREFIX)
    if any(c in path for c in "?%#") or path.startswith(("file:", "~")):
        return None
    if not path or path == ":memory:":
        return None
    return Path(path)


def open_portfolio(database_url: str | None = None) -> sqlite3.Connection | None:
    """A read-only connection to the SQLite portfolio in force (the argument, else the run's
    ``META_AGENT_DATABASE_URL``), or None when the SQLAlchemy path must take over."""
    path = plain_file(database_url or os.environ.get(DATABASE_URL_ENV))
    if path is None or not path.is_file():
        return None
    try:
        connection = connect_read_only(path)
    except sqlite3.Error:
        return None
    try:
        present = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            )
        }
    except sqlite3.Error:
        present = set()
    if not set(REQUIRED_TABLES) <= present:
        connection.close()
        return None
    return connection


def holds_portfolio(database_url: str) -> bool:
    """True when the URL is a plain SQLite file that opens read-only and holds the portfolio.

    Asked before a run plans: SQLAlchemy costs ~0.15 s to import on the host. False only means
    "not shown this way" (another database, a URL with options, any error):
    ``engine.read_only_engine`` then decides, and names the cause.
    """
    connection = open_portfolio(database_url)
    if connection is None:
        return False
    connection.close()
    return True


def select(
    sql: str, params: dict[str, Any], database_url: str | None = None
) -> tuple[list[str], Sequence[Any]] | None:
    """A SELECT's column names and rows, read from the SQLite portfolio in force; None when it
    is not a plain SQLite portfolio or the driver refused the query (the SQLAlchemy path then
    runs it, or reports why)."""
    connection = open_portfolio(database_url)
    if connection is None:
        return None
    try:
        cursor = connection.execute(sql, params)
        return [column[0] for column in cursor.description], cursor.fetchall()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
