"""What the sandbox costs: one small tool-library script through bare Python, cold bwrap, warm pool.

Run: .venv/bin/python bench/bench_sandbox.py [--runs 20]

Targets: cold bwrap adds under 15 ms (median) to bare ``python -I``; through the warm pool, 20
scripts in a row take under 60 ms each (median, submission to collected results), against the
0.7 s+ of a cold start that imports pandas.
"""

from __future__ import annotations

import argparse
import os
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


def interleaved(script: Path, work: Path, runs: int, tag: str) -> tuple[list[float], list[float]]:
    """Bare and cold-sandbox runs alternated, so both see the same machine load."""
    bare_runs: list[float] = []
    cold_runs: list[float] = []
    with Executor("bwrap") as cold:
        for i in range(-1, runs):  # -1: warm-up
            results = work / f"{tag}-bare-{i}" / "results"
            results.mkdir(parents=True)
            env = {"META_AGENT_RESULTS_DIR": str(results), **THREAD_VARS}
            started = time.perf_counter()
            subprocess.run([sys.executable, "-I", str(script)], check=True, env=env)
            middle = time.perf_counter()
            result = cold.run(
                RunSpec(script, work / f"{tag}-cold-{i}", expected_outputs=["dscr.csv"])
            )
            ended = time.perf_counter()
            if result.status != "succeeded":
                raise SystemExit(f"cold run failed: {result.status} {result.error}")
            if i >= 0:
                bare_runs.append(middle - started)
                cold_runs.append(ended - middle)
    return bare_runs, cold_runs


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
        bare_dscr, cold_dscr = interleaved(dscr, work, runs, "dscr")
        bare_pandas, cold_pandas = interleaved(heavy, work, runs, "pandas")
        with Executor("bwrap", pool_size=2) as pooled:
            paced = sandboxed(pooled, dscr, work, runs, "p")
            paced_pandas = sandboxed(pooled, heavy, work, runs, "pp")
        in_a_row, backends = back_to_back(dscr, work, runs)
        rows = [
            ("bare python -I, DSCR script", bare_dscr),
            ("bwrap cold, DSCR script", cold_dscr),
            ("bare python -I, pandas script", bare_pandas),
            ("bwrap cold, pandas script", cold_pandas),
            ("warm pool (2, ready at submission), DSCR script", paced),
            ("warm pool (2, ready at submission), pandas script", paced_pandas),
            (f"warm pool ({runs} prewarmed), {runs} in a row [{backends}]", in_a_row),
        ]
        width = max(len(name) for name, _ in rows)
        print(
            f"\n{runs} runs each, submission to collected results ({os.cpu_count()} CPUs, "
            f"load {os.getloadavg()[0]:.1f})\n"
        )
        print(f"  {'':<{width}}  {'median':>8}  {'min':>8}")
        for name, samples in rows:
            print(f"  {name:<{width}}  {median_ms(samples):6.1f} ms  {min(samples) * 1000:6.1f} ms")
        overhead = median_ms(cold_dscr) - median_ms(bare_dscr)
        paired = statistics.median(c - b for b, c in zip(bare_dscr, cold_dscr, strict=True)) * 1000
        pool_ms = median_ms(in_a_row)
        print(
            f"\n  cold sandbox overhead (median cold - median bare):  {overhead:6.1f} ms  (target < 15)"
        )
        print(f"  cold sandbox overhead (median of paired diffs):     {paired:6.1f} ms")
        print(
            f"  warm pool, {runs} in a row, median:                    {pool_ms:6.1f} ms  (target < 60)"
        )
        print(
            f"  cold pandas run / warm pool run:                    {median_ms(cold_pandas) / pool_ms:6.1f}x"
        )
        print(
            "  warm pool pandas run / bare pandas run:             "
            f"{median_ms(paced_pandas) / median_ms(bare_pandas):6.2f}x"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
