"""After every run, whatever its end: no process survives, no temporary folder or cgroup remains."""

from __future__ import annotations

import glob
import tempfile
from pathlib import Path
from typing import Any

import pytest

from meta_agent.runtime import Executor, Limits, RunSpec
from meta_agent.runtime.cgroup import CGROUP_ROOT, PREFIX

ENDINGS = {
    "success": "print('done')\n",
    "failure": "raise ValueError('boom')\n",
    "timeout": "import time\ntime.sleep(60)\n",
    "daemon": (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(60)\n"
        "    os._exit(0)\n"
        "time.sleep(0.3)\n"
    ),
    "children": (
        "import subprocess, sys, time\n"
        "procs = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])"
        " for _ in range(3)]\n"
        "time.sleep(5)\n"
    ),
}


def _leftovers() -> set[str]:
    found: set[str] = set()
    for depth in range(1, 5):
        found |= set(glob.glob(str(CGROUP_ROOT.joinpath(*["*"] * depth, f"{PREFIX}*"))))
    found |= set(glob.glob(str(Path(tempfile.gettempdir()) / "meta-agent-tmp-*")))
    return found


@pytest.mark.parametrize("backend", ["bwrap", "process"])
@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_nothing_survives_a_run(
    backend: str,
    ending: str,
    request: pytest.FixtureRequest,
    make_script: Any,
    tmp_path: Path,
    survivors: Any,
) -> None:
    if backend == "bwrap":
        request.getfixturevalue("bwrap_ok")
    before = _leftovers()
    run_dir = tmp_path / f"run-{ending}"
    with Executor(backend, Limits(timeout_seconds=1.5)) as executor:
        result = executor.run(RunSpec(make_script(ENDINGS[ending]), run_dir))
    assert result.status in {"succeeded", "failed", "timeout"}
    assert result.status == {"failure": "failed", "timeout": "timeout", "children": "timeout"}.get(
        ending, "succeeded"
    )
    assert survivors(str(run_dir)) == []
    assert _leftovers() - before == set()
    assert sorted(p.name for p in run_dir.iterdir()) == ["logs", "results"]
