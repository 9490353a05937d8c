"""Benchmark: recording runs in the run history, SQLite (the default) against PostgreSQL.

    .venv/bin/python bench/bench_history.py                    # 200 runs, 8 processes x 50
    .venv/bin/python bench/bench_history.py --postgres postgresql://postgres@127.0.0.1:5432/test

Prints medians for each store: ``record_run`` of one run (manifest and history row, a fresh
connection each time, as the CLI does), ``RunHistory.list`` and ``stats`` over the runs written,
and the wall time of --processes writers recording --each runs at once (checked: nothing lost or
duplicated). PostgreSQL runs in a schema of its own, dropped afterwards; the ratios are against
SQLite measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

WRITER = """
import sys
from pathlib import Path
from meta_agent.archive.record import now_iso, record_run
from meta_agent.archive.run_folder import RunFolder
from meta_agent.pipeline import RunOutcome
runs, url, count = Path(sys.argv[1]), sys.argv[2] or None, int(sys.argv[3])
for index in range(count):
    folder = RunFolder.create(runs, "bench")
    outcome = RunOutcome(status="succeeded", phases={"execute": 0.5})
    record_run(runs, folder, outcome, kind="exec", request=f"{sys.argv[4]} {index}",
               created_at=now_iso(), tools_used=["a", "b"], history_url=url)
"""


def measure(runs: Path, url: str | None, count: int, processes: int, each: int) -> dict[str, float]:
    from meta_agent.archive.history import RunHistory
    from meta_agent.archive.record import now_iso, record_run
    from meta_agent.archive.run_folder import RunFolder
    from meta_agent.pipeline import RunOutcome

    RunHistory(runs, url).close()  # the schema, before anything is timed
    records = []
    for index in range(count):
        folder = RunFolder.create(runs, "bench")
        outcome = RunOutcome(status="succeeded", phases={"execute": 0.5})
        started = time.perf_counter()
        record_run(
            runs,
            folder,
            outcome,
            kind="exec",
            request=f"single {index}",
            created_at=now_iso(),
            tools_used=["a", "b"],
            history_url=url,
        )
        records.append(time.perf_counter() - started)
    lists, stats = [], []
    for _ in range(7):
        with RunHistory(runs, url) as history:
            started = time.perf_counter()
            history.list(limit=20)
            lists.append(time.perf_counter() - started)
            started = time.perf_counter()
            history.stats()
            stats.append(time.perf_counter() - started)
    started = time.perf_counter()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(runs), url or "", str(each), f"writer{n}"]
        )
        for n in range(processes)
    ]
    if any(writer.wait() != 0 for writer in writers):
        raise SystemExit("a writer failed")
    concurrent = time.perf_counter() - started
    with RunHistory(runs, url) as history:
        found = history.list(limit=10 * (count + processes * each))
    requests = [record.request for record in found]
    if len(requests) != count + processes * each or len(set(requests)) != len(requests):
        raise SystemExit(f"lost or duplicated runs: {len(requests)} rows, {len(set(requests))}")
    return {
        "record_run": statistics.median(records),
        "list 20": statistics.median(lists),
        f"stats of {count} runs": statistics.median(stats),
        f"{processes} processes x {each} runs (wall)": concurrent,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs recorded one by one")
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--each", type=int, default=50)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    import psycopg

    schema = f"bench_history_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        pg_url = f"{args.postgres}?options=-csearch_path%3D{schema}"
        with tempfile.TemporaryDirectory() as tmp:
            base = measure(Path(tmp) / "sqlite", None, args.runs, args.processes, args.each)
            pg = measure(Path(tmp) / "pg", pg_url, args.runs, args.processes, args.each)
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    print(f"{'':44} {'SQLite':>10} {'PostgreSQL':>11} {'ratio':>6}")
    for (name, sqlite_value), pg_value in zip(base.items(), pg.values(), strict=True):
        print(
            f"{name:44} {sqlite_value * 1000:8.1f} ms {pg_value * 1000:8.1f} ms "
            f"{pg_value / sqlite_value:6.2f}"
        )


if __name__ == "__main__":
    main()
