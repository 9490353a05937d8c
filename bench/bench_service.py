"""The service over loopback: request latency, approval-to-results time, and a bounded load.

    .venv/bin/python bench/bench_service.py [--repeat 20] [--runs 10] [--clients 4 --total 40]

A real ``meta-agent serve`` (uvicorn, a warm pool of --pool sandboxes, --workers threads) on
127.0.0.1 with a fresh data folder and the 60-property sample portfolio; an httpx client with a
token. The run history is the data folder's SQLite file, or the (empty) database
``META_AGENT_HISTORY_URL`` names. Prints medians and 95th percentiles:

1. ``POST /api/runs`` for use case 1 (analyse, plan, generate, validate, record; held for
   approval) and ``GET /api/runs/{id}``, sequentially, --repeat times.
2. Use case 1 from ``POST .../approve`` to a stored ``succeeded`` (polled every 10 ms), --runs
   times in a row, so the warm pool is refilled between runs.
3. --clients threads submit --total runs of the four use cases with ``"approve": true`` and wait
   for each: every run must end with a final status, none lost or duplicated.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

USE_CASES = (
    "Calculate DSCR for all properties and identify at-risk assets",
    "Compare Orlando Fashion Square performance against 5 similar properties",
    "Run DSCR scenarios with 10%, 20%, 30% NOI decrease for all properties",
    "Generate monthly performance report for executive team",
)
UNFINISHED = ("awaiting_approval", "queued", "running")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(round((len(ordered) - 1) * fraction)), len(ordered) - 1)]


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{name:<52} median {statistics.median(ms):8.1f} ms   p95 {percentile(ms, 0.95):8.1f} ms"
        f"   (n={len(ms)})"
    )


def wait_final(client: httpx.Client, run_id: str, poll: float = 0.01) -> dict[str, Any]:
    while True:
        run: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
        if run["status"] not in UNFINISHED:
            return run
        time.sleep(poll)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--total", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool", type=int, default=2)
    args = parser.parse_args()

    from meta_agent.portfolio.generator import generate_portfolio
    from meta_agent.service.store import ServiceStore

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        database = f"sqlite:///{data / 'portfolio.db'}"
        generate_portfolio(database, properties=60, seed=42)
        env = {**os.environ, "META_AGENT_DATA_DIR": str(data), "META_AGENT_DATABASE_URL": database}
        # META_AGENT_HISTORY_URL, when set, puts the server's run history there (PostgreSQL).
        history = os.environ.get("META_AGENT_HISTORY_URL") or None
        token = ServiceStore(data / "runs", history).create_token("bench")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from meta_agent.cli.main import run; run()",
                "serve",
                "--port",
                str(port),
                "--pool",
                str(args.pool),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120
            ) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        client.get("/health")
                        break
                    except httpx.TransportError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
                run_benchmarks(client, args)
        finally:
            server.terminate()
            server.wait(timeout=60)


def run_benchmarks(client: httpx.Client, args: argparse.Namespace) -> None:
    # Warm-up: the first plan and the first run pay for imports.
    first = client.post("/api/runs", json={"request": USE_CASES[0], "approve": True}).json()
    wait_final(client, first["id"])

    posts, gets, held = [], [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        created = client.post("/api/runs", json={"request": USE_CASES[0]})
        posts.append(time.perf_counter() - started)
        assert created.status_code == 201 and created.json()["status"] == "awaiting_approval"
        held.append(created.json()["id"])
        started = time.perf_counter()
        client.get(f"/api/runs/{held[-1]}")
        gets.append(time.perf_counter() - started)
    report("POST /api/runs (use case 1, held for approval)", posts)
    report("GET /api/runs/{id}", gets)

    to_results = []
    for run_id in held[: args.runs]:
        time.sleep(1.0)  # the pool refills between runs, as it does between users' clicks
        started = time.perf_counter()
        client.post(f"/api/runs/{run_id}/approve")
        run = wait_final(client, run_id)
        to_results.append(time.perf_counter() - started)
        assert run["status"] == "succeeded", run["error"]
    report("use case 1, approve -> stored results (warm pool)", to_results)

    submitted: list[str] = []
    latencies: list[float] = []
    ends: list[float] = []
    statuses: dict[str, str] = {}
    lock = threading.Lock()

    def one_client(index: int) -> None:
        with httpx.Client(base_url=client.base_url, headers=client.headers, timeout=300) as own:
            for number in range(index, args.total, args.clients):
                request = USE_CASES[number % len(USE_CASES)]
                started = time.perf_counter()
                answer = own.post("/api/runs", json={"request": request, "approve": True})
                latency = time.perf_counter() - started
                run_id = answer.json()["id"]
                run = wait_final(own, run_id, poll=0.05)
                with lock:
                    submitted.append(run_id)
                    latencies.append(latency)
                    ends.append(time.perf_counter() - started)
                    statuses[run_id] = run["status"]

    started = time.perf_counter()
    threads = [threading.Thread(target=one_client, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    listed = client.get("/api/runs", params={"limit": 200}).json()
    print(
        f"load: {args.clients} clients, {len(submitted)} runs in {wall:.1f} s; "
        f"statuses {dict(sorted(_count(statuses).items()))}; "
        f"ids unique: {len(set(submitted)) == len(submitted)}; "
        f"all in history: {set(submitted) <= {r['id'] for r in listed['runs']}}"
    )
    report("load: POST /api/runs with approve", latencies)
    report("load: submit -> final status", ends)


def _count(statuses: dict[str, str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    return counts


if __name__ == "__main__":
    main()
