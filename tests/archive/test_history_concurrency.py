"""Many writers on one run history, SQLite and PostgreSQL: nothing lost, nothing duplicated.

Each writer records runs the way a CLI or a service worker does (a run folder, its manifest and
history row through ``record_run``, an owner, a decision), all under the same title so that
they race for the same run ids. Writers are threads in this process or separate processes.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from meta_agent.archive.history import RunHistory
from meta_agent.archive.sql import HistoryDB, history_url

WRITERS = 8
RUNS_EACH = 50
TITLE = "concurrent"  # one title for every writer: they all race for the same run ids


def write_runs(runs_dir: Path, url: str | None, writer: int, count: int) -> None:
    """Record ``count`` runs as writer ``writer`` would: folder, manifest, history, decision."""
    from meta_agent.archive.record import now_iso, record_run
    from meta_agent.archive.run_folder import RunFolder
    from meta_agent.pipeline import RunOutcome
    from meta_agent.service.store import ServiceStore

    store = ServiceStore(runs_dir, url)
    for index in range(count):
        folder = RunFolder.create(runs_dir, TITLE)
        created = now_iso()
        outcome = RunOutcome(status="queued", run_id=folder.run_id, run_dir=folder.root)
        record = {"kind": "ask", "request": f"writer {writer} run {index}", "created_at": created}
        record_run(runs_dir, folder, outcome, **record, history_url=url)
        store.claim(folder.run_id, f"writer{writer}")
        store.decide(folder, "approved", f"writer{writer}")
        outcome.status = "failed" if index % 5 == 0 else "succeeded"
        outcome.phases = {"execute": duration(writer, index)}
        record_run(
            runs_dir,
            folder,
            outcome,
            **record,
            tools_used=["common", f"t{writer}"],
            history_url=url,
        )


def duration(writer: int, index: int) -> float:
    return writer + index / 1000 + 0.000123  # digits a 4-byte float would lose


WORKER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[5])
from tests.archive.test_history_concurrency import write_runs
url = sys.argv[2] or None
write_runs(Path(sys.argv[1]), url, int(sys.argv[3]), int(sys.argv[4]))
"""


def run_in_threads(runs_dir: Path, url: str | None) -> None:
    problems: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            write_runs(runs_dir, url, number, RUNS_EACH)
        except BaseException as problem:  # noqa: BLE001 - reported by the test below
            problems.append(problem)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []


def run_in_processes(runs_dir: Path, url: str | None) -> None:
    root = str(Path(__file__).resolve().parents[2])
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(runs_dir), url or "", str(n), str(RUNS_EACH), root],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    errors = [worker.communicate()[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * WRITERS, errors


def check_history(runs_dir: Path, url: str | None) -> None:
    expected = {f"writer {w} run {i}" for w in range(WRITERS) for i in range(RUNS_EACH)}
    with RunHistory(runs_dir, url) as history:
        records = history.list(limit=10 * len(expected))
        stats = history.stats()
    ids = [record.run_id for record in records]
    assert len(ids) == len(set(ids)) == len(expected)  # ids unique, none lost
    assert sorted(record.request for record in records) == sorted(expected)  # none duplicated
    on_disk = {path.parent.name for path in runs_dir.glob(f"*-{TITLE}*/manifest.json")}
    assert on_disk == set(ids)
    for record in records:
        manifest = json.loads((Path(record.run_dir) / "manifest.json").read_text())
        assert manifest["run_id"] == record.run_id and manifest["request"] == record.request

    durations = [duration(w, i) for w in range(WRITERS) for i in range(RUNS_EACH)]
    failed = WRITERS * len(range(0, RUNS_EACH, 5))
    assert stats.total == len(expected) and stats.succeeded == len(expected) - failed
    assert stats.failures_by_cause == {"failed": failed}
    assert stats.median_seconds == statistics.median(durations)
    assert stats.tool_usage == {"common": len(expected), **{f"t{w}": RUNS_EACH for w in range(8)}}

    with HistoryDB(history_url(runs_dir, url)) as db:
        owners = db.rows("SELECT run_id, owner FROM run_owners")
        decisions = db.rows("SELECT run_id, actor FROM run_decisions")
    assert len(owners) == len(decisions) == len(expected)
    assert Counter(d["run_id"] for d in decisions) == Counter(ids)
    by_id = {record.run_id: record.request for record in records}
    for decision in decisions:  # each decision is its own writer's, on its own run
        writer = by_id[decision["run_id"]].split()[1]
        assert decision["actor"] == f"writer{writer}"
        saved = json.loads((runs_dir / decision["run_id"] / "decisions.json").read_text())
        assert [(d["action"], d["actor"]) for d in saved] == [("approved", decision["actor"])]


@pytest.mark.parametrize("writers", ["threads", "processes"])
def test_sqlite_history_keeps_every_run_of_concurrent_writers(tmp_path: Path, writers: str) -> None:
    runs_dir = tmp_path / "runs"
    (run_in_threads if writers == "threads" else run_in_processes)(runs_dir, None)
    check_history(runs_dir, None)
    with HistoryDB(history_url(runs_dir)) as db:
        assert db.row("PRAGMA journal_mode")["journal_mode"] == "wal"  # type: ignore[index]


@pytest.mark.parametrize("writers", ["threads", "processes"])
def test_postgresql_history_keeps_every_run_of_concurrent_writers(
    tmp_path: Path, postgres_history_url: str, writers: str
) -> None:
    runs_dir = tmp_path / "runs"
    (run_in_threads if writers == "threads" else run_in_processes)(runs_dir, postgres_history_url)
    check_history(runs_dir, postgres_history_url)
    assert not (runs_dir / "history.db").exists()  # the history is on the server, not here
    with HistoryDB(postgres_history_url) as db:
        assert db.dialect == "postgresql"
        kinds = db.rows(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'runs' AND column_name = 'duration_seconds' "
            "AND table_schema = current_schema()"
        )
    assert kinds == [{"data_type": "double precision"}]


def test_an_unreachable_postgresql_history_is_a_configuration_error(tmp_path: Path) -> None:
    from meta_agent.errors import ConfigError

    url = "postgresql://nobody:secret@127.0.0.1:1/none"
    with pytest.raises(ConfigError, match="META_AGENT_HISTORY_URL") as raised:
        RunHistory(tmp_path, url)
    assert "secret" not in str(raised.value)


def test_many_connections_opening_a_new_sqlite_history_at_once(tmp_path: Path) -> None:
    """Switching a new file to WAL is refused at once ("database is locked", whatever the busy
    timeout) while another connection uses it: every opener must still get its history."""
    import threading

    from meta_agent.archive.sql import HistoryDB

    problems: list[Exception] = []

    def open_history(url: str) -> None:
        try:
            with HistoryDB(url) as db, db.transaction():
                db.ddl("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
        except Exception as exc:  # noqa: BLE001 - every failure is the finding
            problems.append(exc)

    for trial in range(25):
        url = f"sqlite:///{tmp_path / f'h{trial}.db'}"
        threads = [threading.Thread(target=open_history, args=(url,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert problems == []
