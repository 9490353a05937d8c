"""Benchmark: one run through the docker sandbox, end to end, against the bwrap one.

    .venv/bin/python bench/bench_docker.py            # 7 runs of each
    .venv/bin/python bench/bench_docker.py --runs 15

Times ``Backend.run`` (container created, started, supervised, removed, results collected) for
a script that prints a line and one that imports pandas and matplotlib, plus the check that the
image is present (what every first run of a process pays). Medians of the runs. Needs a Docker
engine (scripts/docker-engine starts one as root).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

SCRIPTS = {
    "print": "print('hello')\n",
    "pandas+matplotlib": "import pandas, matplotlib.pyplot\nprint('ready')\n",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from meta_agent.runtime import Limits, RunSpec
    from meta_agent.runtime.bwrap import BwrapBackend, bwrap_problem
    from meta_agent.runtime.docker import DockerBackend, docker_problem
    from meta_agent.runtime.docker_image import ensure_host_image

    problem = docker_problem()
    if problem:
        print(f"docker: {problem}", file=sys.stderr)
        return 1
    docker = DockerBackend()
    started = time.perf_counter()
    ensure_host_image(docker.client)
    print(f"image present check: {time.perf_counter() - started:.3f} s")
    backends = {"docker": docker}
    if bwrap_problem() is None:
        backends["bwrap"] = BwrapBackend(prestart=False)
    limits = Limits(timeout_seconds=60)
    with tempfile.TemporaryDirectory() as folder:
        for label, source in SCRIPTS.items():
            script = Path(folder) / f"{label.replace('+', '_')}.py"
            script.write_text(source)
            for name, backend in backends.items():
                times = []
                for i in range(args.runs + 1):
                    run_dir = Path(folder) / f"run-{name}-{i}"
                    t0 = time.perf_counter()
                    result = backend.run(RunSpec(script, run_dir), limits)
                    elapsed = time.perf_counter() - t0
                    assert result.status == "succeeded", result.error
                    if i:  # the first run warms caches (page cache, font list)
                        times.append(elapsed)
                    shutil.rmtree(run_dir)
                print(f"{label:>18} {name:>6}: median {statistics.median(times):.3f} s")
    docker.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
