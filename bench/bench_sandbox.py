"""What the sandbox costs: one small tool-library script through bare Python, cold bwrap, warm pool.

Run: .venv/bin/python bench/bench_sandbox.py [--runs 20]

Targets: cold bwrap adds under 15 ms (median) to bare ``python -I``; through the warm pool, 20
scripts in a row take under 60 ms each (median, submission to collected results), against the
0.7 s+ of a cold start that imports pandas.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from meta_agent.runtime import Executor, RunSpec
from meta_agent.runtime.environment import THREAD_VARS

DSCR_SCRIPT = """\
import csv, os
from meta_agent.tool_library.calculation_tools import calculate_dscr

loans = [("P001", 1_250_000.0, 1_000_000.0), ("P002", 640_000.0, 700_000.0),
         ("P003", 2_100_000.0, 1_400_000.0), ("P004", 900_000.0, 610_000.0)]
folder = os.environ.get("META_AGENT_RESULTS_DIR", "results")
with open(os.path.join(folder, "dscr.csv"), "w", newline="") as handle:
    writer = csv.writer(handle)
    writer.writerow(["property_id", "noi", "debt_service", "dscr"])
    for property_id, noi, debt_service in loans:
        writer.writerow([property_id, noi, debt_service, calculate_dscr(noi, debt_service)])
"""
PANDAS_SCRIPT = """\
import os
import pandas as pd
from meta_agent.tool_library.calculation_tools import calculate_dscr

frame = pd.DataFrame({"property_id": ["P001", "P002"], "noi": [1.25e6, 6.4e5],
                      "debt_service": [1.0e6, 7.0e5]})
frame["dscr"] = [calculate_dscr(n, d) for n, d in zip(frame.noi, frame.debt_service)]
frame.to_csv(os.path.join(os.environ.get("META_AGENT_RESULTS_DIR", "results"), "dscr.csv"))
"""


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(
    runs: int, once: Callable[[int], None], before: Callable[[], None] = lambda: None
) -> list[float]:
    """Times ``once`` (not ``before``, which readies the next run) ``runs`` times."""
    before()
    once(-1)  # warm the page cache and the interpreter probe
    samples = []
    for i in range(runs):
        before()
        started = time.perf_counter()
        once(i)
        samples.append(time.perf_counter() - started)
    return samples


def bare(script: Path, work: Path, runs: int) -> list[float]:
    def once(i: int) -> None:
        results = work / f"bare-{i}" / "results"
        results.mkdir(parents=True)
        env = {"META_AGENT_RESULTS_DIR": str(results), **THREAD_VARS}
        subprocess.run([sys.executable, "-I", str(script)], check=True, env=env)

    return timed(runs, once)


def sandboxed(executor: Executor, script: Path, work: Path, runs: int, tag: str) -> list[float]:
    def once(i: int) -> None:
        result = executor.run(RunSpec(script, work / f"{tag}-{i}", expected_outputs=["dscr.csv"]))
        if result.status != "succeeded":
            raise SystemExit(f"{tag} run failed: {result.status} {result.error}")

    def ready() -> None:
        if executor.pool is not None:
            executor.pool.wait_ready(300)  # measure a run, not the refill after the previous one

    return timed(runs, once, ready)


def back_to_back(script: Path, work: Path, runs: int) -> tuple[list[float], str]:
    """``runs`` submissions in a row, no waiting, to a pool warmed with one member per run."""
    with Executor("bwrap", pool_size=runs) as executor:
        executor.pool.wait_ready(600)
        samples = []
        backends = set()
        for i in range(runs):
            started = time.perf_counter()
            result = executor.run(RunSpec(script, work / f"b2b-{i}", expected_outputs=["dscr.csv"]))
            samples.append(time.perf_counter() - started)
            backends.add(result.backend)
            if result.status != "succeeded":
                raise SystemExit(f"pool run failed: {result.status} {result.error}")
    return samples, ",".join(sorted(backends))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    work = Path(tempfile.mkdtemp(prefix="meta-agent-bench-"))
    try:
        dscr = work / "dscr_script.py"
        dscr.write_text(DSCR_SCRIPT)
        heavy = work / "pandas_script.py"
        heavy.write_text(PANDAS_SCRIPT)
        rows: list[tuple[str, float]] = []
        rows.append(("bare python -I, DSCR script", median_ms(bare(dscr, work / "a", runs))))
        with Executor("bwrap") as cold:
            rows.append(
                ("bwrap cold, DSCR script", median_ms(sandboxed(cold, dscr, work, runs, "c")))
            )
            rows.append(("bare python -I, pandas script", median_ms(bare(heavy, work / "b", runs))))
            rows.append(
                ("bwrap cold, pandas script", median_ms(sandboxed(cold, heavy, work, runs, "cp")))
            )
        with Executor("bwrap", pool_size=2) as pooled:
            rows.append(
                (
                    "warm pool (2, refilled between runs), DSCR script",
                    median_ms(sandboxed(pooled, dscr, work, runs, "p")),
                )
            )
            rows.append(
                (
                    "warm pool (2, refilled between runs), pandas script",
                    median_ms(sandboxed(pooled, heavy, work, runs, "pp")),
                )
            )
        samples, backends = back_to_back(dscr, work, runs)
        rows.append(
            (f"warm pool ({runs} prewarmed), {runs} in a row [{backends}]", median_ms(samples))
        )
        width = max(len(name) for name, _ in rows)
        print(f"\nmedians over {runs} runs (submission to collected results)\n")
        for name, value in rows:
            print(f"  {name:<{width}}  {value:8.1f} ms")
        figures = dict(rows)
        overhead = figures["bwrap cold, DSCR script"] - figures["bare python -I, DSCR script"]
        pool_ms = figures[f"warm pool ({runs} prewarmed), {runs} in a row [{backends}]"]
        cold_pandas = figures["bwrap cold, pandas script"]
        print(
            f"\n  sandbox overhead, cold (bwrap - bare, DSCR):   {overhead:7.1f} ms  (target < 15)"
        )
        print(
            f"  warm pool, {runs} in a row:                      {pool_ms:7.1f} ms  (target < 60)"
        )
        print(f"  cold pandas start / warm pool:                {cold_pandas / pool_ms:7.1f}x")
        print(
            "  warm pool pandas / bare pandas:               "
            f"{figures['warm pool (2, refilled between runs), pandas script'] / figures['bare python -I, pandas script']:7.2f}x"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
