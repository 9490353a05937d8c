"""The run history: a small SQLite index of every run, in the runs folder.

Runs are recorded through ``recorder``: one connection per process (and thread), left open. In
WAL mode the last connection to close checkpoints the log into the database (an fsync) and
deletes it, and the next one to write makes it again (another sync): ~20 ms of a one-row write.
Left open, each command appends its row to the log; the log is folded in by SQLite's automatic
checkpoint (every 1,000 pages) or by any connection that closes, and is read by every reader
meanwhile. The history stays consistent through any crash, as before.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meta_agent.archive.migrations import migrate
from meta_agent.errors import ConfigError, RunNotFound

HISTORY_FILE = "history.db"
# Recording connections kept open per thread (a service's workers record into one or two).
MAX_OPEN_RECORDERS = 4


@dataclass
class RunRecord:
    """One row of the history."""

    run_id: str
    kind: str
    request: str
    status: str
    created_at: str
    run_dir: str
    finished_at: str | None = None
    duration_seconds: float | None = None
    error: str | None = None
    backend: str | None = None
    peak_memory_mb: float | None = None
    cpu_seconds: float | None = None
    tools_used: list[str] = field(default_factory=list)
    plan_hash: str | None = None


@dataclass
class RunStats:
    """Aggregates over the history, for ``meta-agent runs stats``."""

    total: int
    succeeded: int
    success_rate: float
    median_seconds: float | None
    p95_seconds: float | None
    failures_by_cause: dict[str, int]
    tool_usage: dict[str, int]


class RunHistory:
    """Reads and writes the history database; the schema grows through migrations."""

    def __init__(self, runs_dir: Path) -> None:
        from meta_agent.archive.run_folder import unusable_runs_dir

        try:
            runs_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise unusable_runs_dir(runs_dir, exc) from exc
        self.path = runs_dir / HISTORY_FILE
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.row_factory = sqlite3.Row
        # A write-ahead log without an fsync per commit: recording a run took ~20 ms of syncs.
        # The history stays consistent through any crash; a power cut may lose the last rows,
        # whose run folders (and manifests) are still on disk.
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            migrate(self._db)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise ConfigError(
                f"The run history {self.path} cannot be used ({exc}); move it aside and a new "
                "one is started (the run folders stay as they are)."
            ) from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RunHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, run: RunRecord) -> None:
        """Insert or update a run."""
        values = {**run.__dict__, "tools_used": json.dumps(run.tools_used)}
        columns = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        with self._db:
            self._db.execute(f"INSERT OR REPLACE INTO runs ({columns}) VALUES ({marks})", values)

    def list(self, limit: int = 20) -> list[RunRecord]:
        rows = self._db.execute(
            "SELECT * FROM runs ORDER BY created_at DESC, run_id DESC LIMIT ?", (limit,)
        )
        return [_record(row) for row in rows]

    def get(self, run_id: str) -> RunRecord:
        """A run by its id, or by a unique prefix of it."""
        row = self._db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None and run_id:
            matches = self._db.execute(
                "SELECT * FROM runs WHERE run_id LIKE ? ESCAPE '\\' LIMIT 2",
                (run_id.replace("%", "\\%").replace("_", "\\_") + "%",),
            ).fetchall()
            row = matches[0] if len(matches) == 1 else None
        if row is None:
            raise RunNotFound(run_id)
        return _record(row)

    def stats(self) -> RunStats:
        import statistics

        runs = [_record(row) for row in self._db.execute("SELECT * FROM runs")]
        executed = [r for r in runs if r.duration_seconds is not None]
        durations = sorted(r.duration_seconds for r in executed if r.duration_seconds is not None)
        succeeded = sum(1 for r in runs if r.status == "succeeded")
        failures = Counter(r.status for r in runs if r.status != "succeeded")
        tools: Counter[str] = Counter()
        for run in runs:
            tools.update(run.tools_used)
        return RunStats(
            total=len(runs),
            succeeded=succeeded,
            success_rate=succeeded / len(runs) if runs else 0.0,
            median_seconds=statistics.median(durations) if durations else None,
            p95_seconds=_percentile(durations, 0.95) if durations else None,
            failures_by_cause=dict(failures.most_common()),
            tool_usage=dict(tools.most_common()),
        )


_recorders = threading.local()


class _Recorder:
    """An open history and the file it was opened on (held, so its identity cannot be reused)."""

    def __init__(self, runs_dir: Path) -> None:
        self.history = RunHistory(runs_dir)
        try:
            self._fd = os.open(self.history.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self.history.close()
            raise

    def current(self) -> bool:
        """Whether the history file is still the one this connection writes to."""
        try:
            held, there = os.fstat(self._fd), os.stat(self.history.path)
        except OSError:
            return False
        return held.st_nlink > 0 and (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)

    def close(self) -> None:
        os.close(self._fd)
        self.history.close()


def record_run_row(runs_dir: Path, run: RunRecord) -> None:
    """Insert or update one run's row through this thread's open connection to the history.

    A connection whose file was moved aside or replaced since, or that fails, is closed and the
    row written through a new one (whose opening names a history that cannot be used).
    """
    open_now: dict[Path, _Recorder] = getattr(_recorders, "open", None) or {}
    _recorders.open = open_now
    key = runs_dir.absolute()
    recorder = open_now.pop(key, None)
    if recorder is not None and recorder.current():
        try:
            recorder.history.record(run)
        except sqlite3.Error:
            pass  # written again below, through a new connection
        else:
            open_now[key] = recorder
            return
    if recorder is not None:
        recorder.close()
    recorder = _Recorder(runs_dir)
    try:
        recorder.history.record(run)
    except BaseException:
        recorder.close()
        raise
    open_now[key] = recorder
    while len(open_now) > MAX_OPEN_RECORDERS:
        open_now.pop(next(iter(open_now))).close()


def _record(row: sqlite3.Row) -> RunRecord:
    data: dict[str, Any] = dict(row)
    data["tools_used"] = json.loads(data.get("tools_used") or "[]")
    return RunRecord(**data)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear-interpolated percentile of already sorted values."""
    position = (len(sorted_values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)
