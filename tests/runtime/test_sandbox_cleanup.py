"""After every run, whatever its end: no process survives, no temporary folder or cgroup remains."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

import meta_agent.runtime.process as process_module
from meta_agent.runtime import Executor, Limits, RunSpec
from meta_agent.runtime.cgroup import Cgroup

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


@pytest.fixture()
def created(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every cgroup directory and scratch folder the runtime creates during the test.

    Recorded rather than globbed: other runs on this machine create their own.
    """
    paths: list[str] = []
    create = Cgroup.create.__func__  # type: ignore[attr-defined]
    mkdtemp = tempfile.mkdtemp

    def recording_create(cls: type[Cgroup], *args: Any) -> Cgroup | None:
        group = create(cls, *args)
        if group is not None:
            paths.extend(str(d) for d in group.dirs.values())
        return group

    def recording_mkdtemp(*args: Any, **kwargs: Any) -> str:
        path = mkdtemp(*args, **kwargs)
        paths.append(path)
        return path

    monkeypatch.setattr(Cgroup, "create", classmethod(recording_create))
    monkeypatch.setattr(process_module.tempfile, "mkdtemp", recording_mkdtemp)
    return paths


@pytest.mark.parametrize("backend", ["bwrap", "process"])
@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_nothing_survives_a_run(
    backend: str,
    ending: str,
    request: pytest.FixtureRequest,
    make_script: Any,
    tmp_path: Path,
    survivors: Any,
    created: list[str],
) -> None:
    if backend == "bwrap":
        request.getfixturevalue("bwrap_ok")
    run_dir = tmp_path / f"run-{ending}"
    with Executor(backend, Limits(timeout_seconds=1.5)) as executor:
        result = executor.run(RunSpec(make_script(ENDINGS[ending]), run_dir))
    assert result.status in {"succeeded", "failed", "timeout"}
    assert result.status == {"failure": "failed", "timeout": "timeout", "children": "timeout"}.get(
        ending, "succeeded"
    )
    assert survivors(str(run_dir)) == []
    assert created and [path for path in created if Path(path).exists()] == []
    assert sorted(p.name for p in run_dir.iterdir()) == ["logs", "results"]
