"""Every limit, on every real backend: the breach ends the run with the status that names it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meta_agent.runtime import Executor, Limits, RunSpec
from meta_agent.runtime.bwrap import BwrapBackend
from meta_agent.runtime.process import ProcessBackend

SMALL = Limits(
    timeout_seconds=10,
    cpu_seconds=5,
    memory_mb=200,
    max_processes=24,
    max_output_mb=1,
    max_total_output_mb=4,
    max_log_mb=0.25,
)
BACKENDS = ["bwrap", "process"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "bwrap":
        request.getfixturevalue("bwrap_ok")
    return str(request.param)


def run(backend: Any, script: Path, run_dir: Path, limits: Limits = SMALL, **spec: Any) -> Any:
    with Executor(backend, limits) as executor:
        return executor.run(RunSpec(script=script, run_dir=run_dir, **spec))


def test_success_records_backend_limits_and_usage(
    backend: str, make_script: Any, run_dir: Path
) -> None:
    script = make_script("print('hello')\n")
    result = run(backend, script, run_dir)
    assert result.status == "succeeded", result.error
    assert result.backend == backend
    assert result.limits == SMALL
    assert result.exit_code == 0
    assert result.wall_seconds > 0 and result.peak_memory_mb > 1
    assert result.error is None
    assert (run_dir / "logs" / "run.log").read_text().count("[stdout] hello") == 1


def test_failure_keeps_exit_code_and_last_error_line(
    backend: str, make_script: Any, run_dir: Path
) -> None:
    script = make_script(
        "import sys\nprint('about to fail', file=sys.stderr)\nraise SystemExit(3)\n"
    )
    result = run(backend, script, run_dir)
    assert (result.status, result.exit_code) == ("failed", 3)
    assert "about to fail" in (result.error or "")


def test_timeout_kills_the_run_and_keeps_the_partial_log(
    backend: str, make_script: Any, run_dir: Path
) -> None:
    script = make_script("import time\nprint('started', flush=True)\ntime.sleep(60)\n")
    limits = Limits(timeout_seconds=1.0)
    result = run(backend, script, run_dir, limits)
    assert result.status == "timeout"
    assert 1.0 <= result.wall_seconds < 5
    assert "started" in (run_dir / "logs" / "run.log").read_text()
    assert "1 s wall-clock" in (result.error or "")


def test_cpu_limit(backend: str, make_script: Any, run_dir: Path) -> None:
    script = make_script("while True:\n    pass\n")
    result = run(backend, script, run_dir, Limits(cpu_seconds=1, timeout_seconds=20))
    assert result.status == "cpu_limit"
    assert result.cpu_seconds >= 0.8


@pytest.mark.parametrize("use_cgroup", [True, False], ids=["cgroup", "rlimit-as"])
def test_memory_limit(backend: str, use_cgroup: bool, make_script: Any, run_dir: Path) -> None:
    script = make_script(
        "blocks = []\nwhile True:\n    blocks.append(bytearray(8 * 1024 * 1024))\n"
    )
    impl = (BwrapBackend if backend == "bwrap" else ProcessBackend)(use_cgroup=use_cgroup)
    result = run(impl, script, run_dir)
    assert result.status == "memory_limit", result.error
    assert "200 MB memory limit" in (result.error or "")


def test_output_limit_per_file(backend: str, make_script: Any, run_dir: Path) -> None:
    script = make_script(
        "import os\n"
        "with open(os.environ['META_AGENT_RESULTS_DIR'] + '/big.csv', 'w') as f:\n"
        "    while True:\n"
        "        f.write('x' * 4096)\n"
    )
    result = run(backend, script, run_dir)
    assert result.status == "output_limit"
    # The kernel stopped the file exactly at the cap; the partial output is kept, not deleted.
    assert (run_dir / "results" / "big.csv").stat().st_size == SMALL.output_bytes


def test_output_limit_in_total(backend: str, make_script: Any, run_dir: Path) -> None:
    script = make_script(
        "import os, time\n"
        "for i in range(50):\n"
        "    with open(os.environ['META_AGENT_RESULTS_DIR'] + f'/part{i}.csv', 'w') as f:\n"
        "        f.write('x' * 900_000)\n"
        "    time.sleep(0.02)\n"
    )
    result = run(backend, script, run_dir)
    assert result.status == "output_limit"


def test_log_limit(backend: str, make_script: Any, run_dir: Path) -> None:
    script = make_script("while True:\n    print('spam ' * 50)\n")
    result = run(backend, script, run_dir)
    assert result.status == "log_limit"
    log = run_dir / "logs" / "run.log"
    assert log.stat().st_size < SMALL.log_bytes + 4096
    assert "log limit" in log.read_text().splitlines()[-2]


@pytest.mark.parametrize("use_cgroup", [True, False], ids=["cgroup", "monitor"])
def test_process_limit(backend: str, use_cgroup: bool, make_script: Any, run_dir: Path) -> None:
    script = make_script(
        "import os, time\n"
        "children = []\n"
        "for _ in range(200):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        time.sleep(30)\n"
        "        os._exit(0)\n"
        "    children.append(pid)\n"
        "    time.sleep(0.005)\n"
    )
    impl = (BwrapBackend if backend == "bwrap" else ProcessBackend)(use_cgroup=use_cgroup)
    result = run(impl, script, run_dir)
    assert result.status == "process_limit", result.error


def test_limits_validate_their_values() -> None:
    with pytest.raises(ValueError, match="memory_mb"):
        Limits(memory_mb=0)
    assert Limits().to_dict()["memory_mb"] == 512
