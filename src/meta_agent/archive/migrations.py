"""The run history's schema, grown by ordered migration functions (never edited in place).

Written for SQLite; ``HistoryDB.ddl`` gives PostgreSQL its own names for the types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from meta_agent.archive.sql import HistoryDB

Migration = Callable[[HistoryDB], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(function: Migration) -> Migration:
    """Register a migration; they run in definition order, each exactly once."""
    MIGRATIONS.append((function.__name__, function))
    return function


@migration
def m001_create_runs(db: HistoryDB) -> None:
    db.ddl(
        """
        CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            request TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            duration_seconds REAL,
            run_dir TEXT NOT NULL,
            error TEXT
        )
        """
    )
    db.ddl("CREATE INDEX runs_created_at ON runs (created_at)")


@migration
def m002_add_resources_and_tools(db: HistoryDB) -> None:
    db.ddl("ALTER TABLE runs ADD COLUMN backend TEXT")
    db.ddl("ALTER TABLE runs ADD COLUMN peak_memory_mb REAL")
    db.ddl("ALTER TABLE runs ADD COLUMN cpu_seconds REAL")
    db.ddl("ALTER TABLE runs ADD COLUMN tools_used TEXT NOT NULL DEFAULT '[]'")
    db.ddl("ALTER TABLE runs ADD COLUMN plan_hash TEXT")


@migration
def m003_service_tokens_owners_decisions(db: HistoryDB) -> None:
    """The service's tables: API tokens (hashed), who owns each run, and who decided what."""
    db.ddl(
        """
        CREATE TABLE api_tokens (
            name TEXT PRIMARY KEY,
            token_sha256 TEXT NOT NULL UNIQUE,
            admin INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        )
        """
    )
    db.ddl("CREATE TABLE run_owners (run_id TEXT PRIMARY KEY, owner TEXT NOT NULL)")
    db.ddl("CREATE INDEX run_owners_owner ON run_owners (owner)")
    db.ddl(
        """
        CREATE TABLE run_decisions (
            run_id TEXT NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    db.ddl("CREATE INDEX run_decisions_run ON run_decisions (run_id)")


@migration
def m004_token_limits(db: HistoryDB) -> None:
    """Per-user sandbox limits (JSON: timeout_seconds, cpu_seconds, memory_mb), for long runs."""
    db.ddl("ALTER TABLE api_tokens ADD COLUMN limits TEXT NOT NULL DEFAULT '{}'")


@migration
def m005_add_planner_and_llm(db: HistoryDB) -> None:
    """Which planner made the plan, and the LLM's usage (JSON: calls, tokens, cost...)."""
    db.ddl("ALTER TABLE runs ADD COLUMN planner TEXT")
    db.ddl("ALTER TABLE runs ADD COLUMN llm TEXT")


@migration
def m006_decision_diffs_and_order(db: HistoryDB) -> None:
    """A decision keeps the diff of an edited script; PostgreSQL gets an insertion order."""
    db.ddl("ALTER TABLE run_decisions ADD COLUMN diff TEXT")
    if db.dialect == "postgresql":
        db.ddl("ALTER TABLE run_decisions ADD COLUMN seq BIGSERIAL")  # SQLite has rowid


def migrate(db: HistoryDB) -> list[str]:
    """Apply the migrations not yet recorded in ``_migrations``; returns the names applied.

    Safe with many processes opening a new history at once: the migrations run under a lock
    (PostgreSQL's advisory lock, SQLite's write lock), and each checks again what is done.
    """
    if db.table_exists("_migrations"):
        done = {row["name"] for row in db.rows("SELECT name FROM _migrations")}
        if all(name in done for name, _ in MIGRATIONS):
            return []
    applied = []
    with db.transaction():
        db.lock_migrations()
        db.ddl("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        done = {row["name"] for row in db.rows("SELECT name FROM _migrations")}
        for name, function in MIGRATIONS:
            if name in done:
                continue
            function(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )
            applied.append(name)
    return applied
