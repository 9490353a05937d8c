"""What choosing the bwrap costs once per process, and a bare sandbox on each binary.

Run: .venv/bin/python bench/bench_bwrap_probe.py [--runs 15]

The probe (``--version``, a trial sandbox, the sha256 of each candidate until one works) runs
once per process, before the first run, unless a passed probe of the same binary is remembered
(bwrap_locate.py): both are timed, the first with the memory forgotten before each. A bare sandbox (every namespace, /proc, /dev, running
``true``) is timed on the system's bwrap and on the bundled one, so a difference between the
two binaries would show.
"""

from __future__ import annotations

import argparse
import statistics
import time

from meta_agent.runtime.bwrap_locate import candidates, find_bwrap, forget, trial


def probe_ms(runs: int, remembered: bool) -> list[float]:
    times = []
    for _ in range(runs):
        find_bwrap.cache_clear()
        if not remembered:
            forget()
        started = time.perf_counter()
        find_bwrap()
        times.append((time.perf_counter() - started) * 1000)
    return times


def bare_sandbox_ms(path: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        problem = trial(path)
        times.append((time.perf_counter() - started) * 1000)
        if problem is not None:
            raise SystemExit(f"{path} cannot sandbox here: {problem}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    found = find_bwrap().found
    print(f"in use: {found.describe() if found else find_bwrap().problem}")
    probe = probe_ms(args.runs, remembered=False)
    print(f"probe (find_bwrap, once per process): {statistics.median(probe):.1f} ms median")
    probe = probe_ms(args.runs, remembered=True)
    print(f"remembered probe (the same binary passed before): {statistics.median(probe):.2f} ms")
    for source, path in candidates():
        times = bare_sandbox_ms(path, args.runs)
        print(f"bare sandbox, {source} bwrap: {statistics.median(times):.1f} ms median")


if __name__ == "__main__":
    main()
