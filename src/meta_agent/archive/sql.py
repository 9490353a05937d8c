"""The run history's connection: a SQLite file (the default) or a PostgreSQL server.

One small interface over both, so the history, the service's tables and the migrations are
written once: ``?`` placeholders, rows as dicts, ``transaction()`` for anything that writes.
SQLite runs in WAL mode with a busy timeout and takes its write lock when a transaction
starts (``BEGIN IMMEDIATE``), so concurrent writers wait their turn instead of failing.
PostgreSQL is reached with psycopg, imported only when configured; a few idle connections are
kept per process and reused (a new one costs more than the queries of a typical call).
"""

from __future__ import annotations

import atexit
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from meta_agent.errors import ConfigError

HISTORY_FILE = "history.db"
# How long a SQLite writer waits for another one before giving up: a run's record is a few
# small rows, so 30 s of waiting means something is stuck, not busy.
BUSY_TIMEOUT_SECONDS = 30
PG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
# pg_advisory_xact_lock key of the history's migrations: one migrating process at a time.
MIGRATION_LOCK = 0x6D615F68  # "ma_h"

# Idle PostgreSQL connections kept per URL and process: enough for a server's workers and request
# handlers taking turns, few enough that many servers stay far below max_connections (100).
MAX_IDLE_CONNECTIONS = 4

Row = dict[str, Any]
_idle: dict[str, list[Any]] = {}
_idle_lock = threading.Lock()


class Cursor(Protocol):
    """What a statement returns: its rows and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


def history_url(runs_dir: Path, configured: str | None = None) -> str:
    """The history in force: the configured URL, or ``history.db`` in the runs folder."""
    return configured or f"sqlite:///{runs_dir / HISTORY_FILE}"


def shown_url(url: str) -> str:
    """A history URL fit for a message: the password masked."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


class HistoryDB:
    """One connection to the history database, SQLite or PostgreSQL."""

    dialect: str

    def __init__(self, url: str) -> None:
        scheme = url.split(":", 1)[0].lower()
        if scheme in PG_SCHEMES:
            self.dialect = "postgresql"
            self._connection: Any = _take_postgres(url)
        elif scheme == "sqlite" or "://" not in url:
            self.dialect = "sqlite"
            self._connection = _connect_sqlite(_sqlite_path(url))
        else:
            raise ConfigError(
                f"The run history URL {shown_url(url)} is neither sqlite:///PATH nor "
                "postgresql://...: set META_AGENT_HISTORY_URL to one of them."
            )
        self.url = url

    @property
    def insertion_order(self) -> str:
        """The column that orders rows as they were inserted (decisions keep their order)."""
        return "rowid" if self.dialect == "sqlite" else "seq"

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """Run one statement, written with ``?`` placeholders, in either dialect."""
        if self.dialect == "postgresql":
            sql = sql.replace("?", "%s").replace(" LIKE ", " ILIKE ")
        cursor: Cursor = self._connection.execute(sql, tuple(params))
        return cursor

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [dict(row) for row in self.execute(sql, params).fetchall()]

    def row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        found = self.execute(sql, params).fetchone()
        return dict(found) if found is not None else None

    def ddl(self, sql: str) -> None:
        """A schema statement written for SQLite, with PostgreSQL's names for its types."""
        if self.dialect == "postgresql":
            # SQLite's REAL is 8 bytes; PostgreSQL's REAL is 4 (durations would lose digits).
            sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)
        self.execute(sql)

    def upsert(self, table: str, values: dict[str, Any], key: str) -> None:
        """Insert a row, or update every column of the row with the same ``key``."""
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in values if name != key)
        self.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}",
            list(values.values()),
        )

    @contextmanager
    def transaction(self) -> Iterator[HistoryDB]:
        """All or nothing; SQLite takes its write lock at once, waiting for other writers."""
        if self.dialect == "postgresql":
            with self._connection.transaction():
                yield self
            return
        self._connection.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self._connection.execute("ROLLBACK")
            raise
        self._connection.execute("COMMIT")

    def lock_migrations(self) -> None:
        """Inside a transaction: keep other processes out of the migrations until it ends."""
        if self.dialect == "postgresql":
            self.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        # SQLite: BEGIN IMMEDIATE already holds the database's single write lock.

    def table_exists(self, name: str) -> bool:
        if self.dialect == "postgresql":
            found = self.row("SELECT to_regclass(?) AS found", (name,))
            return found is not None and found["found"] is not None
        return (
            self.row("SELECT 1 AS found FROM sqlite_master WHERE type='table' AND name=?", (name,))
            is not None
        )

    def close(self) -> None:
        if self.dialect == "postgresql":
            _give_back_postgres(self.url, self._connection)
        else:
            self._connection.close()

    def __enter__(self) -> HistoryDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def database_errors() -> tuple[type[Exception], ...]:
    """The errors that mean "this history database cannot be used", whichever the dialect."""
    errors: list[type[Exception]] = [sqlite3.DatabaseError]
    try:
        import psycopg

        errors.append(psycopg.Error)
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(errors)


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:") else Path(url)


def _connect_sqlite(path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; transaction() says BEGIN IMMEDIATE itself.
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    db.row_factory = sqlite3.Row
    try:
        # A write-ahead log without an fsync per commit: recording a run took ~20 ms of syncs.
        # The history stays consistent through any crash; a power cut may lose the last rows,
        # whose run folders (and manifests) are still on disk.
        _write_ahead_log(db)
        db.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _write_ahead_log(db: sqlite3.Connection) -> None:
    """Put the file in WAL mode (once: the mode is kept in the file).

    Switching needs the file to itself, and SQLite answers "database is locked" at once, busy
    timeout or not, while another connection is using it: many processes opening a new history
    together met that. So the mode is read first, and the switch retried until the timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    pause = 0.005
    while True:
        try:
            if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = "locked" in str(exc) or "busy" in str(exc)
            if not busy or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _take_postgres(url: str) -> Any:
    """An idle connection to ``url`` if one is kept, else a new one."""
    with _idle_lock:
        kept = _idle.get(url)
        if kept:
            return kept.pop()
    return _connect_postgres(url)


def _give_back_postgres(url: str, connection: Any) -> None:
    """Keep a connection that is idle and sound for the next call; close any other."""
    from psycopg.pq import TransactionStatus

    if not connection.closed and connection.info.transaction_status == TransactionStatus.IDLE:
        with _idle_lock:
            kept = _idle.setdefault(url, [])
            if len(kept) < MAX_IDLE_CONNECTIONS:
                kept.append(connection)
                return
    connection.close()


@atexit.register
def close_idle_connections() -> None:
    """Close the kept connections (at exit, so none is left to the garbage collector)."""
    with _idle_lock:
        kept = [connection for connections in _idle.values() for connection in connections]
        _idle.clear()
    for connection in kept:
        connection.close()


def _connect_postgres(url: str) -> Any:
    import psycopg
    from psycopg.rows import dict_row

    conninfo = re.sub(r"^(postgresql\+psycopg|postgres)://", "postgresql://", url)
    try:
        return psycopg.connect(conninfo, autocommit=True, row_factory=dict_row, connect_timeout=10)
    except psycopg.Error as exc:
        raise ConfigError(
            f"The run history at {shown_url(url)} cannot be reached ({exc}); check "
            "META_AGENT_HISTORY_URL, or unset it to keep the history in the runs folder."
        ) from exc
