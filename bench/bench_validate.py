"""How long script validation takes, warm and in a fresh process, as ``meta-agent exec`` does it.

    .venv/bin/python bench/bench_validate.py [--repeat 50] [--fresh 15]

Scripts: a one-line script, the generated script of use case 1 (a typical generated script,
rendered by the real generator over a sample portfolio), and a user script with a password-like
name (the case that makes the scanner import detect-secrets). Printed figures are medians.

- warm: one ``ScriptValidator`` in this process, ``validate`` called ``--repeat`` times.
- fresh: a new interpreter per run that builds the tool registry (``exec`` needs it anyway),
  then imports the validator, builds it and validates the script once: the time of that last
  part (import + build + first call), and the registry's, reported apart. Bytecode is used as
  an installed package uses it (``PYTHONDONTWRITEBYTECODE`` is dropped for these runs).

Targets: one-line script < 30 ms, typical generated script < 100 ms, warm or fresh.
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
ONE_LINE = "x = 1\n"
WITH_KEYWORD = (
    "import logging\n\n"
    'logger = logging.getLogger("meta_agent.run")\n'
    'logger.info("No password or secret is needed: tools get them from the configuration")\n'
)
FRESH = """
import json, sys, time
source = open(sys.argv[1], encoding="utf-8").read()
start = time.perf_counter()
from meta_agent.tool_library.tool_registry import default_registry
registry = default_registry()
ready = time.perf_counter()
from meta_agent.scripting.validate import ScriptValidator
findings = ScriptValidator(registry).validate(source)
done = time.perf_counter()
print(json.dumps({"registry": ready - start, "validate": done - ready, "findings": len(findings)}))
"""


# As installed: bytecode is written and read (a development shell may turn that off).
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def generated_script(folder: Path) -> str:
    from meta_agent.config import Settings
    from meta_agent.pipeline import Pipeline
    from meta_agent.portfolio.generator import generate_portfolio

    db = folder / "portfolio.db"
    generate_portfolio(f"sqlite:///{db}")
    settings = Settings(database_url=f"sqlite:///{db}", runs_dir=folder / "runs")
    return Pipeline(settings).prepare(USE_CASE_1).script.source


def warm(sources: dict[str, str], repeat: int) -> dict[str, float]:
    from meta_agent.scripting.validate import ScriptValidator
    from meta_agent.tool_library.tool_registry import default_registry

    validator = ScriptValidator(default_registry())
    medians = {}
    for name, source in sources.items():
        validator.validate(source)  # the first call imports what the checks need
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            validator.validate(source)
            times.append(time.perf_counter() - start)
        medians[name] = statistics.median(times)
    return medians


def fresh(sources: dict[str, str], runs: int, folder: Path) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for name, source in sources.items():
        path = folder / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        samples = []
        for run in range(runs + 1):
            done = subprocess.run(
                [sys.executable, "-c", FRESH, str(path)],
                capture_output=True,
                text=True,
                check=True,
                env=ENV,
            )
            if run:  # the first run only writes the bytecode an installed package ships with
                samples.append(json.loads(done.stdout))
        results[name] = {
            key: statistics.median(sample[key] for sample in samples)
            for key in ("registry", "validate", "findings")
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--fresh", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        script = generated_script(folder)
        sources = {
            "one-line script": ONE_LINE,
            f"generated script, use case 1 ({script.count(chr(10))} lines)": script,
            "user script with a secret keyword": WITH_KEYWORD,
        }
        cold = fresh(sources, args.fresh, folder)
    hot = warm(sources, args.repeat)
    print(f"{'script':<48} {'warm':>9} {'fresh':>9} {'registry':>9} findings")
    for source_name in sources:
        print(
            f"{source_name:<48} {hot[source_name] * 1000:7.2f}ms "
            f"{cold[source_name]['validate'] * 1000:7.1f}ms "
            f"{cold[source_name]['registry'] * 1000:7.1f}ms "
            f"{int(cold[source_name]['findings'])}"
        )
    print(
        "fresh = import + build + first validate in a new interpreter (registry apart); "
        f"medians of {args.fresh} fresh and {args.repeat} warm runs"
    )


if __name__ == "__main__":
    main()
