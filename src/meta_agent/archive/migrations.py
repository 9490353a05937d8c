"""The run history's SQLite schema, grown by ordered migration functions (never edited in place)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(function: Migration) -> Migration:
    """Register a migration; they run in definition order, each exactly once."""
    MIGRATIONS.append((function.__name__, function))
    return function


@migration
def m001_create_runs(db: sqlite3.Connection) -> None:
    db.execute(
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
    db.execute("CREATE INDEX runs_created_at ON runs (created_at)")


@migration
def m002_add_resources_and_tools(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE runs ADD COLUMN backend TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN peak_memory_mb REAL")
    db.execute("ALTER TABLE runs ADD COLUMN cpu_seconds REAL")
    db.execute("ALTER TABLE runs ADD COLUMN tools_used TEXT NOT NULL DEFAULT '[]'")
    db.execute("ALTER TABLE runs ADD COLUMN plan_hash TEXT")


@migration
def m003_service_tokens_owners_decisions(db: sqlite3.Connection) -> None:
    """The service's tables: API tokens (hashed), who owns each run, and who decided what."""
    db.execute(
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
    db.execute("CREATE TABLE run_owners (run_id TEXT PRIMARY KEY, owner TEXT NOT NULL)")
    db.execute("CREATE INDEX run_owners_owner ON run_owners (owner)")
    db.execute(
        """
        CREATE TABLE run_decisions (
            run_id TEXT NOT NULL,
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX run_decisions_run ON run_decisions (run_id)")


@migration
def m004_token_limits(db: sqlite3.Connection) -> None:
    """Per-user sandbox limits (JSON: timeout_seconds, cpu_seconds, memory_mb), for long runs."""
    db.execute("ALTER TABLE api_tokens ADD COLUMN limits TEXT NOT NULL DEFAULT '{}'")


@migration
def m005_add_planner_and_llm(db: sqlite3.Connection) -> None:
    """Which planner made the plan, and the LLM's usage (JSON: calls, tokens, cost...)."""
    db.execute("ALTER TABLE runs ADD COLUMN planner TEXT")
    db.execute("ALTER TABLE runs ADD COLUMN llm TEXT")


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet recorded in ``_migrations``; returns the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied = []
    for name, function in MIGRATIONS:
        if name in done:
            continue
        with db:
            function(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, datetime('now'))", (name,)
            )
        applied.append(name)
    return applied
