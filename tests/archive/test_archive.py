"""Run folders, manifests and the run history."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from meta_agent.archive.history import RunHistory, RunRecord, record_run_row
from meta_agent.archive.manifest import build_manifest
from meta_agent.archive.migrations import MIGRATIONS, migrate
from meta_agent.archive.run_folder import RunFolder, slugify
from meta_agent.archive.sql import HISTORY_FILE, HistoryDB
from meta_agent.errors import ConfigError, RunNotFound

NOW = dt.datetime(2026, 11, 27, 10, 30, 0, tzinfo=dt.UTC)


def test_slug_is_short_and_safe() -> None:
    assert slugify("Calculate DSCR for ALL properties & identify at-risk assets!") == (
        "calculate-dscr-for-all-properties-identify"
    )
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("???") == "run"


def test_run_folders_are_unique_and_complete(tmp_path: Path) -> None:
    first = RunFolder.create(tmp_path, "dscr for all", NOW)
    second = RunFolder.create(tmp_path, "dscr for all", NOW)
    assert first.run_id == "20261127-103000-dscr-for-all"
    assert second.run_id == "20261127-103000-dscr-for-all-2"
    assert first.results.is_dir() and first.logs.is_dir()


def test_manifest_lists_every_file_with_its_sha256(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "x", NOW)
    folder.write_text("request.txt", "x\n")
    (folder.results / "a.csv").write_text("a\n1\n")
    manifest = build_manifest(folder.root, status="succeeded")
    assert manifest["status"] == "succeeded"
    assert set(manifest["files"]) == {"request.txt", "results/a.csv"}
    assert manifest["files"]["results/a.csv"]["sha256"] == hashlib.sha256(b"a\n1\n").hexdigest()
    assert folder.artifacts() == ["a.csv"]


def test_migrations_run_once_and_in_order(tmp_path: Path) -> None:
    with HistoryDB(f"sqlite:///{tmp_path / 'h.db'}") as db:
        assert migrate(db) == [name for name, _ in MIGRATIONS]
        assert migrate(db) == []
        columns = {row["name"] for row in db.rows("PRAGMA table_info(runs)")}
        decisions = {row["name"] for row in db.rows("PRAGMA table_info(run_decisions)")}
    assert {"run_id", "status", "backend", "tools_used"} <= columns
    assert {"action", "actor", "at", "diff"} <= decisions


def record(run_id: str, status: str, seconds: float | None, tools: list[str]) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        kind="ask",
        request=f"request {run_id}",
        status=status,
        created_at=f"2026-11-27T10:00:{run_id[-2:]}",
        run_dir=f"/runs/{run_id}",
        duration_seconds=seconds,
        tools_used=tools,
    )


def test_history_lists_finds_and_summarises(tmp_path: Path) -> None:
    with RunHistory(tmp_path) as history:
        history.record(record("run-01", "succeeded", 1.0, ["a", "b"]))
        history.record(record("run-02", "failed", 3.0, ["a"]))
        history.record(record("run-03", "timeout", 10.0, ["c"]))
        history.record(record("other-04", "rejected", None, []))
        assert [r.run_id for r in history.list(2)] == ["other-04", "run-03"]
        assert history.get("other").run_id == "other-04"  # a unique prefix is enough
        with pytest.raises(RunNotFound):
            history.get("run-")  # ambiguous
        with pytest.raises(RunNotFound, match="meta-agent runs"):
            history.get("missing")
        stats = history.stats()
    assert stats.total == 4 and stats.succeeded == 1 and stats.success_rate == 0.25
    assert stats.median_seconds == 3.0
    assert stats.p95_seconds == pytest.approx(3.0 + 0.9 * 7.0)
    assert stats.failures_by_cause == {"failed": 1, "timeout": 1, "rejected": 1}
    assert stats.tool_usage == {"a": 2, "b": 1, "c": 1}


def test_the_history_is_a_write_ahead_log_readable_by_a_second_process(tmp_path: Path) -> None:
    """Recording a run does not wait for an fsync; another connection sees it at once."""
    with RunHistory(tmp_path) as history:
        history.record(
            RunRecord(
                run_id="r1",
                kind="exec",
                request="exec a.py",
                status="succeeded",
                created_at=NOW.isoformat(),
                run_dir=str(tmp_path / "r1"),
            )
        )
        mode = history._db.execute("PRAGMA journal_mode").fetchone()[0]
        with RunHistory(tmp_path) as other:
            assert other.get("r1").status == "succeeded"
    assert mode == "wal"


def test_a_history_of_an_older_version_is_migrated_and_keeps_its_decisions(tmp_path: Path) -> None:
    """A history.db written before decisions kept diffs (m001-m004) opens with m005 applied."""
    import sqlite3

    old = sqlite3.connect(tmp_path / "history.db")
    with HistoryDB(f"sqlite:///{tmp_path / 'history.db'}") as db:
        db.ddl("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        for name, function in MIGRATIONS[:4]:
            function(db)
            db.execute("INSERT INTO _migrations VALUES (?, '2026-11-01')", (name,))
    old.execute("INSERT INTO run_decisions VALUES ('r1', 'approved', 'alice', '2026-11-01T10:00')")
    old.commit()
    old.close()
    with RunHistory(tmp_path) as history:
        assert history.decisions("r1") == [
            {"action": "approved", "actor": "alice", "at": "2026-11-01T10:00", "diff": None}
        ]


def _row(run_id: str, tmp_path: Path, status: str = "succeeded") -> RunRecord:
    return RunRecord(
        run_id=run_id,
        kind="exec",
        request=f"exec {run_id}.py",
        status=status,
        created_at=NOW.isoformat(),
        run_dir=str(tmp_path / run_id),
    )


def test_recorded_rows_are_seen_at_once_and_survive_a_history_moved_aside(tmp_path: Path) -> None:
    """Rows go through a connection left open (no checkpoint per run); readers see each at once,
    and a history moved aside or replaced meanwhile gets the next row in a new file."""
    record_run_row(tmp_path, _row("r1", tmp_path))
    record_run_row(tmp_path, _row("r2", tmp_path, "failed"))
    with RunHistory(tmp_path) as reader:
        assert [r.run_id for r in reader.list()] == ["r2", "r1"]
        assert reader.get("r2").status == "failed"
    aside = tmp_path / "old-history.db"
    for suffix in ("", "-wal", "-shm"):
        moved = tmp_path / f"{HISTORY_FILE}{suffix}"
        if moved.exists():
            moved.rename(f"{aside}{suffix}")
    record_run_row(tmp_path, _row("r3", tmp_path))
    with RunHistory(tmp_path) as reader:
        assert [r.run_id for r in reader.list()] == ["r3"]


def test_a_history_that_cannot_be_used_is_still_named_when_recording(tmp_path: Path) -> None:
    record_run_row(tmp_path, _row("r1", tmp_path))
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"{HISTORY_FILE}{suffix}").unlink(missing_ok=True)
    (tmp_path / HISTORY_FILE).write_bytes(b"this is not a database" * 300)
    with pytest.raises(ConfigError, match="cannot be used"):
        record_run_row(tmp_path, _row("r2", tmp_path))
