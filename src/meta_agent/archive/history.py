"""The run history: an SQL index of every run, ``history.db`` in the runs folder by default.

``META_AGENT_HISTORY_URL`` moves it to another SQLite file or to PostgreSQL, so that the CLI and
the service (and several of each) share one history.

Runs are recorded through ``record_run_row``: one open history per process (and thread). In WAL
mode the last connection to a SQLite file to close checkpoints the log into the database (an
fsync) and deletes it, and the next one to write makes it again: ~20 ms of a one-row write. Left
open, each command appends its row to the log, folded in by SQLite's automatic checkpoint or by
any connection that closes, and read by every reader meanwhile.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meta_agent.archive.migrations import migrate
from meta_agent.archive.sql import HistoryDB, database_errors, history_url, shown_url
from meta_agent.errors import ConfigError, RunNotFound

_migrated: set[str] = set()  # PostgreSQL histories this process has migrated
Decisions = list[dict[str, Any]]  # action, actor, at, diff: who decided what about a run, and when


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
    planner: str | None = None  # "rule_based", "llm", ...; None for runs without a plan
    llm: dict[str, Any] | None = None  # the manifest's LLM usage (LLM_FIELDS); None offline


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
    planner_usage: dict[str, int] = field(default_factory=dict)
    llm: dict[str, Any] = field(default_factory=dict)  # totals; see llm_totals


def open_history_db(runs_dir: Path, url: str | None = None) -> HistoryDB:
    """A connection to the history in force, its schema migrated; a ConfigError says why not."""
    from meta_agent.archive.run_folder import unusable_runs_dir

    if url is None:
        try:
            runs_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise unusable_runs_dir(runs_dir, exc) from exc
    target = history_url(runs_dir, url)
    try:
        db = HistoryDB(target)
    except database_errors() as exc:
        raise _unusable(target, exc) from exc
    if target in _migrated:
        return db
    try:
        migrate(db)
    except database_errors() as exc:
        db.close()
        raise _unusable(target, exc) from exc
    if db.dialect == "postgresql":
        # A server's schema changes only through migrate(): once per process is enough. (A
        # SQLite file may be moved aside and started anew, and checking it costs ~0.1 ms.)
        _migrated.add(target)
    return db


def _unusable(url: str, exc: Exception) -> ConfigError:
    if url.startswith("sqlite:"):
        return ConfigError(
            f"The run history {url.removeprefix('sqlite:///')} cannot be used ({exc}); move it "
            "aside and a new one is started (the run folders stay as they are)."
        )
    return ConfigError(
        f"The run history at {shown_url(url)} cannot be used ({exc}); check "
        "META_AGENT_HISTORY_URL (the run folders stay as they are)."
    )


class RunHistory:
    """Reads and writes the history database; the schema grows through migrations.

    Args:
        url: the history's SQL URL (``sqlite:///PATH`` or ``postgresql://...``); None:
            ``history.db`` in ``runs_dir``.
    """

    def __init__(self, runs_dir: Path, url: str | None = None) -> None:
        self._db = open_history_db(runs_dir, url)
        self.url = self._db.url

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RunHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, run: RunRecord) -> None:
        """Insert or update a run."""
        values = {
            **run.__dict__,
            "tools_used": json.dumps(run.tools_used),
            "llm": json.dumps(run.llm) if run.llm is not None else None,
        }
        with self._db.transaction():
            self._db.upsert("runs", values, key="run_id")

    def list(self, limit: int = 20) -> list[RunRecord]:
        rows = self._db.rows(
            "SELECT * FROM runs ORDER BY created_at DESC, run_id DESC LIMIT ?", (limit,)
        )
        return [_record(row) for row in rows]

    def get(self, run_id: str) -> RunRecord:
        """A run by its id, or by a unique prefix of it."""
        row = self._db.row("SELECT * FROM runs WHERE run_id = ?", (run_id,))
        if row is None and run_id:
            matches = self._db.rows(
                "SELECT * FROM runs WHERE run_id LIKE ? ESCAPE '\\' LIMIT 2",
                (run_id.replace("%", "\\%").replace("_", "\\_") + "%",),
            )
            row = matches[0] if len(matches) == 1 else None
        if row is None:
            raise RunNotFound(run_id)
        return _record(row)

    def decisions(self, run_id: str) -> Decisions:
        """Who approved, rejected, edited or cancelled the run, and when, oldest first."""
        return decisions_of(self._db, run_id)

    def stats(self) -> RunStats:
        import statistics

        runs = [_record(row) for row in self._db.rows("SELECT * FROM runs")]
        executed = [r for r in runs if r.duration_seconds is not None]
        durations = sorted(r.duration_seconds for r in executed if r.duration_seconds is not None)
        succeeded = sum(1 for r in runs if r.status == "succeeded")
        failures = Counter(r.status for r in runs if r.status != "succeeded")
        tools: Counter[str] = Counter()
        for run in runs:
            tools.update(run.tools_used)
        planners = Counter(run.planner for run in runs if run.planner)
        return RunStats(
            total=len(runs),
            succeeded=succeeded,
            success_rate=succeeded / len(runs) if runs else 0.0,
            median_seconds=statistics.median(durations) if durations else None,
            p95_seconds=_percentile(durations, 0.95) if durations else None,
            failures_by_cause=dict(failures.most_common()),
            tool_usage=dict(tools.most_common()),
            planner_usage=dict(planners.most_common()),
            llm=llm_totals(run.llm for run in runs),
        )


# Recording histories kept open per thread (a service's workers record into one or two).
MAX_OPEN_RECORDERS = 4
_recorders = threading.local()


class _Recorder:
    """An open history and, for a SQLite file, that file (held, so its identity is not reused)."""

    def __init__(self, runs_dir: Path, url: str | None) -> None:
        self.history = RunHistory(runs_dir, url)
        self._fd: int | None = None
        self._path: Path | None = None
        if self.history.url.startswith("sqlite:///"):
            self._path = Path(self.history.url.removeprefix("sqlite:///"))
            try:
                self._fd = os.open(self._path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                self.history.close()
                raise

    def current(self) -> bool:
        """Whether the history file is still the one this connection writes to."""
        if self._fd is None or self._path is None:
            return True  # a server's database: its connection says when it is gone
        try:
            held, there = os.fstat(self._fd), os.stat(self._path)
        except OSError:
            return False
        return held.st_nlink > 0 and (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self.history.close()


def record_run_row(runs_dir: Path, run: RunRecord, url: str | None = None) -> None:
    """Insert or update one run's row through this thread's open history (a SQLite file).

    A history whose file was moved aside or replaced since, or that fails, is closed and the row
    written through a new one (whose opening names a history that cannot be used). A PostgreSQL
    history is written through HistoryDB's pool of idle connections instead.
    """
    target = history_url(runs_dir, url)
    if not target.startswith("sqlite:///"):  # a server's connections are pooled by HistoryDB
        with RunHistory(runs_dir, url) as history:
            history.record(run)
        return
    open_now: dict[tuple[Path, str | None], _Recorder] = getattr(_recorders, "open", None) or {}
    _recorders.open = open_now
    key = (runs_dir.absolute(), url)
    recorder = open_now.pop(key, None)
    if recorder is not None and recorder.current():
        try:
            recorder.history.record(run)
        except database_errors():
            pass  # written again below, through a new connection
        else:
            open_now[key] = recorder
            return
    if recorder is not None:
        recorder.close()
    recorder = _Recorder(runs_dir, url)
    try:
        recorder.history.record(run)
    except BaseException:
        recorder.close()
        raise
    open_now[key] = recorder
    while len(open_now) > MAX_OPEN_RECORDERS:
        open_now.pop(next(iter(open_now))).close()


def decisions_of(db: HistoryDB, run_id: str) -> Decisions:
    """A run's decisions (action, actor, at, diff) in the order they were taken."""
    return db.rows(
        "SELECT action, actor, at, diff FROM run_decisions WHERE run_id = ? "
        f"ORDER BY {db.insertion_order}",
        (run_id,),
    )


def _record(row: dict[str, Any]) -> RunRecord:
    return record_from_row(dict(row))


def record_from_row(data: dict[str, Any]) -> RunRecord:
    """A RunRecord from a ``runs`` row (its JSON columns parsed)."""
    data["tools_used"] = json.loads(data.get("tools_used") or "[]")
    data["llm"] = llm_usage(_json(data.get("llm")))
    return RunRecord(**data)


def _json(text: object) -> object:
    """A JSON column's value; None for NULL or text that is not JSON (a hand-edited row)."""
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


# What a manifest's "llm" holds; read defensively: a missing or mistyped field counts as absent.
LLM_TEXT_FIELDS = ("provider", "model")
LLM_NUMBER_FIELDS = ("calls", "tokens_in", "tokens_out", "latency_s", "cost_usd", "repairs")


def planner_of(manifest: Mapping[str, Any]) -> str | None:
    """The planner a manifest names, or None (a simulation, an exec, an older run)."""
    planner = manifest.get("planner")
    return planner if isinstance(planner, str) and planner else None


def llm_usage(value: object) -> dict[str, Any] | None:
    """A manifest's ``llm`` object with only well-typed fields, or None when there is none."""
    if not isinstance(value, Mapping):
        return None
    usage: dict[str, Any] = {}
    for name in LLM_TEXT_FIELDS:
        if isinstance(value.get(name), str):
            usage[name] = value[name]
    for name in LLM_NUMBER_FIELDS:
        number = value.get(name)
        if (
            isinstance(number, int | float)
            and not isinstance(number, bool)
            and math.isfinite(number)
            and number >= 0
        ):
            usage[name] = number
    return usage


def llm_totals(usages: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    """LLM use over runs: runs, calls, tokens in and out, latency, repairs, and cost.

    ``cost_usd`` is None when no run had a price; ``runs_without_cost`` says how many LLM runs
    are missing from the cost (no price configured for their model).
    """
    present = [usage for usage in usages if usage is not None]
    totals: dict[str, Any] = {"runs": len(present)}
    for name in ("calls", "tokens_in", "tokens_out", "repairs"):
        totals[name] = int(sum(usage.get(name, 0) for usage in present))
    totals["latency_s"] = round(sum(usage.get("latency_s", 0.0) for usage in present), 3)
    costs = [usage["cost_usd"] for usage in present if "cost_usd" in usage]
    totals["cost_usd"] = round(sum(costs), 6) if costs else None
    totals["runs_without_cost"] = len(present) - len(costs)
    return totals


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear-interpolated percentile of already sorted values."""
    position = (len(sorted_values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)
