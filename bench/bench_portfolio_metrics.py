"""What the portfolio costs at scale: generating 100,000 properties, and DSCR & co. for all of them.

Run: .venv/bin/python bench/bench_portfolio_metrics.py [--properties 100000] [--runs 5]
     [--postgres URL | --no-postgres]

For SQLite (a file in a temporary folder) and PostgreSQL (a scratch database on the server at
META_AGENT_TEST_POSTGRES_URL, when reachable) it prints the generation time, then, in a fresh
process, ``fetch_portfolio_metrics()`` over the whole portfolio: the median of several runs (wall
and CPU), the SQL alone (the one query, rows fetched as tuples), the pandas work on top, and the
peak memory (RSS) of that process.

Targets: metrics for 100,000 properties under 2 s on SQLite with peak memory under 1 GB;
generation well under a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

DEFAULT_POSTGRES = os.environ.get(
    "META_AGENT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
METRICS_TARGET_SECONDS = 2.0
MEMORY_TARGET_MB = 1024
GENERATION_TARGET_SECONDS = 60.0


def measure(url: str, runs: int) -> dict[str, Any]:
    """In this process: time the metrics tool, its SQL and its pandas work; peak RSS."""
    os.environ["META_AGENT_DATABASE_URL"] = url
    from meta_agent.portfolio import fetch
    from meta_agent.portfolio.metrics_sql import metrics_query, metrics_table
    from meta_agent.portfolio.property_filter import PropertyFilter
    from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

    sql, params = metrics_query(PropertyFilter())
    fetch_portfolio_metrics()  # warm: imports, connection pool, page cache
    tool_wall, tool_cpu, sql_wall, pandas_wall = [], [], [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        metrics = fetch_portfolio_metrics()
        tool_wall.append(time.perf_counter() - started)
        tool_cpu.append(time.process_time() - cpu)
        # the same work in two halves: the one SQL query (rows fetched), then pandas on top
        started = time.perf_counter()
        with fetch.connect() as conn:
            columns, rows = fetch.text_rows(conn, sql, params)
        sql_wall.append(time.perf_counter() - started)
        started = time.perf_counter()
        table = metrics_table(columns, rows)
        pandas_wall.append(time.perf_counter() - started)
        del rows
    assert len(table) == len(metrics)
    return {
        "properties": len(metrics),
        "with_debt": int(metrics["has_debt"].sum()),
        "at_risk": int((metrics["dscr"] < 1.25).sum()),
        "tool_median_s": statistics.median(tool_wall),
        "tool_cpu_median_s": statistics.median(tool_cpu),
        "tool_runs_s": tool_wall,
        "sql_median_s": statistics.median(sql_wall),
        "pandas_median_s": statistics.median(pandas_wall),
        "peak_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(url: str, properties: int) -> float:
    from meta_agent.portfolio.generator import generate_portfolio

    summary = generate_portfolio(url, properties=properties, seed=42, force=True)
    return float(summary["seconds"])


def measure_in_child(url: str, runs: int) -> dict[str, Any]:
    """Run ``measure`` in a fresh interpreter, so its peak memory is the metrics' alone."""
    out = subprocess.run(
        [sys.executable, __file__, "--measure", url, "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(label: str, generation: float, figures: dict[str, Any], target: bool) -> list[str]:
    runs = ", ".join(f"{s:.2f}" for s in figures["tool_runs_s"])
    print(f"\n{label}: {figures['properties']:,} properties ({figures['with_debt']:,} with debt, "
          f"{figures['at_risk']:,} at risk)")  # fmt: skip
    print(f"  generation                  {generation:8.2f} s")
    print(f"  fetch_portfolio_metrics     {figures['tool_median_s']:8.2f} s median "
          f"(CPU {figures['tool_cpu_median_s']:.2f} s; runs: {runs})")  # fmt: skip
    print(f"    SQL (one query, rows)     {figures['sql_median_s']:8.2f} s median")
    print(f"    pandas and ratios         {figures['pandas_median_s']:8.2f} s median")
    print(f"  peak memory (RSS)           {figures['peak_rss_mb']:8.0f} MB")
    missed = []
    if generation >= GENERATION_TARGET_SECONDS:
        missed.append(f"{label} generation {generation:.1f} s >= {GENERATION_TARGET_SECONDS:.0f} s")
    if target and figures["tool_median_s"] >= METRICS_TARGET_SECONDS:
        missed.append(f"{label} metrics {figures['tool_median_s']:.2f} s >= 2 s")
    if target and figures["peak_rss_mb"] >= MEMORY_TARGET_MB:
        missed.append(f"{label} peak memory {figures['peak_rss_mb']:.0f} MB >= 1 GB")
    return missed


def postgres_scratch(server: str) -> tuple[str, Any] | None:
    """A fresh database on the server and a function that drops it; None when unreachable."""
    import sqlalchemy as sa

    try:
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        name = f"meta_agent_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        print(f"\nPostgreSQL skipped: {str(exc).splitlines()[0]}")
        return None

    def drop() -> None:
        from meta_agent.portfolio.engine import dispose_engines

        dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return sa.make_url(server).set(database=name).render_as_string(hide_password=False), drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs)))
        return 0

    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
    missed: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'portfolio.db'}"
        generation = generate(url, args.properties)
        size = (Path(folder) / "portfolio.db").stat().st_size / 2**20
        missed += report(
            f"SQLite ({size:.0f} MB file)", generation, measure_in_child(url, args.runs), True
        )
    if not args.no_postgres:
        scratch = postgres_scratch(args.postgres)
        if scratch is not None:
            url, drop = scratch
            try:
                generation = generate(url, args.properties)
                missed += report("PostgreSQL", generation, measure_in_child(url, args.runs), False)
            finally:
                drop()
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    print("\nAll targets met." if not missed else "\nTargets missed: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
