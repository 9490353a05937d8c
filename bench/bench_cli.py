"""The two commands a person waits on, as whole processes, against floors taken in the same run.

    .venv/bin/python bench/bench_cli.py [--runs 7]

1. ``meta-agent exec noop.py --yes --json`` (a one-line script) against ``python -I noop.py``;
   target: within 8x.
2. Use case 1 ("Calculate DSCR for all properties and identify at-risk assets") through
   ``meta-agent ask ... --yes --json``, cold (a new process, no warm pool kept between runs),
   against ``python -I -c "import pandas"``; target: within 1.8x.

The sample portfolio is created once, in a temporary DATA_DIR that every command uses. Each
round runs the four commands one after the other (floor, command, floor, command), so a noisy
machine slows floors and commands alike; the figures are medians over the rounds. One untimed
round first writes the bytecode caches, as any first run does (PYTHONDONTWRITEBYTECODE is
dropped from the commands' environment for that reason).
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
from pathlib import Path

USE_CASE_1 = "Calculate DSCR for all properties and identify at-risk assets"
EXEC_TARGET = 8.0
ASK_TARGET = 1.8


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall seconds of one whole process, and its stdout; a failed command stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:3])}... exited {done.returncode}:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def outcome(stdout: str) -> dict[str, object]:
    payload: dict[str, object] = json.loads(stdout)
    if payload["status"] != "succeeded":
        sys.exit(f"the run did not succeed: {payload.get('error')}")
    return payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds (medians are taken over them)")
    args = parser.parse_args()

    from meta_agent.portfolio.generator import generate_portfolio

    python = sys.executable
    meta_agent = str(Path(python).with_name("meta-agent"))
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as folder:
        data_dir = Path(folder) / "data"
        data_dir.mkdir()
        generate_portfolio(f"sqlite:///{data_dir / 'portfolio.db'}")
        noop = Path(folder) / "noop.py"
        noop.write_text('print("noop")\n')
        env = {k: v for k, v in os.environ.items() if not k.startswith("META_AGENT_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["META_AGENT_DATA_DIR"] = str(data_dir)

        commands = {
            "python -I noop.py": [python, "-I", str(noop)],
            "exec noop.py": [meta_agent, "exec", str(noop), "--yes", "--json"],
            "python -I -c 'import pandas'": [python, "-I", "-c", "import pandas"],
            "ask use case 1": [meta_agent, "ask", USE_CASE_1, "--yes", "--json"],
        }
        for command in commands.values():  # bytecode caches, font and interpreter caches
            timed(command, env)

        walls: dict[str, list[float]] = {name: [] for name in commands}
        phases: dict[str, dict[str, list[float]]] = {"exec noop.py": {}, "ask use case 1": {}}
        for _ in range(args.runs):
            for name, command in commands.items():
                seconds, stdout = timed(command, env)
                walls[name].append(seconds)
                if name in phases:
                    for phase, value in outcome(stdout)["phases"].items():  # type: ignore[attr-defined]
                        phases[name].setdefault(phase, []).append(value)

    median = {name: statistics.median(values) for name, values in walls.items()}
    print(f"whole processes, medians of {args.runs} alternating rounds:")
    for name, value in median.items():
        spread = f"{min(walls[name]) * 1000:.0f}-{max(walls[name]) * 1000:.0f}"
        print(f"  {name:<30} {value * 1000:7.0f} ms  (range {spread} ms)")
    exec_ratio = median["exec noop.py"] / median["python -I noop.py"]
    ask_ratio = median["ask use case 1"] / median["python -I -c 'import pandas'"]
    print()
    print(
        f"exec noop.py / python -I noop.py          {exec_ratio:5.1f}x  (target < {EXEC_TARGET:g}x)"
    )
    print(
        f"ask use case 1 / python -I 'import pandas'  {ask_ratio:5.2f}x  (target < {ASK_TARGET:g}x)"
    )
    validate = statistics.median(phases["exec noop.py"].get("validate", [0.0]))
    without = (median["exec noop.py"] - validate) / median["python -I noop.py"]
    print(
        f"exec without its validate phase           {without:5.1f}x  "
        f"(validate: {validate * 1000:.0f} ms median)"
    )
    for name, by_phase in phases.items():
        shown = ", ".join(f"{p} {statistics.median(v) * 1000:.0f}" for p, v in by_phase.items())
        print(f"  {name} phases (ms): {shown}")


if __name__ == "__main__":
    main()
