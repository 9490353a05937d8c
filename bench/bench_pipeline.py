"""Planning speed and the end-to-end time of use case 1, by phase.

    .venv/bin/python bench/bench_pipeline.py [--repeat 20]

1. analyse + plan + generate + validate for every request in bench/requests.txt (the end-to-end
   test requests and the sample of REQUESTS.md), medians over several repetitions; target: median
   under 50 ms per request.
2. Use case 1 ("Calculate DSCR for all properties and identify at-risk assets") end to end through
   the sandbox, by phase, medians of several runs, in-process and as a cold CLI command.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
USE_CASE_1 = "Calculate DSCR for all properties and identify at-risk assets"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from meta_agent.config import Settings
    from meta_agent.errors import RequestRejected
    from meta_agent.pipeline import Pipeline
    from meta_agent.portfolio.generator import generate_portfolio

    requests = [
        line.strip() for line in (HERE / "requests.txt").read_text().splitlines() if line.strip()
    ]
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "portfolio.db"
        generate_portfolio(f"sqlite:///{db}")
        settings = Settings(database_url=f"sqlite:///{db}", runs_dir=Path(folder) / "runs")
        pipeline = Pipeline(settings)
        pipeline.planner()  # the directory is read once per process; not part of a request

        planner = pipeline.planner()
        planning: dict[str, list[float]] = {r: [] for r in requests}
        for _ in range(args.repeat):
            for request in requests:
                start = time.perf_counter()
                with contextlib.suppress(RequestRejected):
                    planner.plan(planner.analyse(request))
                planning[request].append(time.perf_counter() - start)
        plan_medians = [statistics.median(times) for times in planning.values()]
        print(f"analyse + plan (the planner alone) over {len(requests)} requests x {args.repeat}:")
        print(f"  median per request   {statistics.median(plan_medians) * 1000:7.2f} ms")
        print(f"  slowest request      {max(plan_medians) * 1000:7.2f} ms\n")

        per_request: dict[str, list[float]] = {r: [] for r in requests}
        phases: dict[str, list[float]] = {}
        rejected = 0
        for _ in range(args.repeat):
            for request in requests:
                start = time.perf_counter()
                try:
                    prepared = pipeline.prepare(request)
                except RequestRejected:
                    rejected += 1
                    per_request[request].append(time.perf_counter() - start)
                    continue
                per_request[request].append(time.perf_counter() - start)
                for name, seconds in prepared.phases.items():
                    phases.setdefault(name, []).append(seconds)
        medians = [statistics.median(times) for times in per_request.values()]
        print(
            f"analyse + plan + generate + validate over {len(requests)} requests x {args.repeat}:"
        )
        print(
            f"  median per request   {statistics.median(medians) * 1000:7.2f} ms (target < 50 ms)"
        )
        print(
            f"  95th percentile      {sorted(medians)[int(0.95 * (len(medians) - 1))] * 1000:7.2f} ms"
        )
        print(f"  slowest request      {max(medians) * 1000:7.2f} ms")
        print(f"  rejected (by design) {rejected // args.repeat} of {len(requests)}")
        for name, values in phases.items():
            print(f"    {name:<9} median {statistics.median(values) * 1000:7.3f} ms")

        print(f"\nuse case 1 end to end, in-process, {args.runs} runs (sandbox cold each run):")
        by_phase: dict[str, list[float]] = {}
        for _ in range(args.runs):
            outcome = pipeline.ask(USE_CASE_1)
            assert outcome.status == "succeeded", outcome.error
            for name, seconds in outcome.phases.items():
                by_phase.setdefault(name, []).append(seconds)
        for name, values in by_phase.items():
            print(f"  {name:<9} median {statistics.median(values):7.3f} s")
        print(
            f"  backend   {outcome.resources.get('backend')}, peak {outcome.resources.get('peak_memory_mb')} MB"
        )

        print(
            f"\nuse case 1 as a cold CLI command (`meta-agent ask ... --yes --json`), {args.runs} runs:"
        )
        command = [
            str(Path(sys.executable).with_name("meta-agent")),
            "ask",
            USE_CASE_1,
            "--yes",
            "--json",
            "--database",
            f"sqlite:///{db}",
            "--runs-dir",
            str(Path(folder) / "runs"),
        ]
        walls = []
        for _ in range(args.runs):
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            walls.append(time.perf_counter() - start)
            payload = json.loads(done.stdout)
            assert payload["status"] == "succeeded", payload["error"]
        print(f"  wall median {statistics.median(walls):.3f} s (target < 2 s); last run's phases:")
        for name, seconds in payload["phases"].items():
            print(f"    {name:<9} {seconds:7.3f} s")


if __name__ == "__main__":
    main()
