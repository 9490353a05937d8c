"""What makes a sandbox start sooner: the cached interpreter layout, early and bare members."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meta_agent.errors import ExecutionError
from meta_agent.runtime import Executor, FakeBackend, Limits, RunSpec, mounts
from meta_agent.runtime.cgroup import Cgroup
from meta_agent.runtime.early import EarlyExecutor
from meta_agent.runtime.monitor import Monitor
from meta_agent.runtime.pool import preload_for
from meta_agent.runtime.rlimits import child_setup

LIMITS = Limits(timeout_seconds=30, cpu_seconds=10, memory_mb=400, max_processes=32)


@pytest.fixture()
def layout_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """A private cache folder and a record of every probe of the interpreter."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    probes: list[Any] = []
    real_run = subprocess.run

    def counting_run(*args: Any, **kwargs: Any) -> Any:
        probes.append(args[0])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(mounts.subprocess, "run", counting_run)
    mounts.interpreter_layout.cache_clear()
    yield probes
    mounts.interpreter_layout.cache_clear()


def test_the_interpreter_layout_is_asked_once_and_kept_while_valid(
    layout_cache: list[Any],
) -> None:
    first = mounts.interpreter_layout(sys.executable)
    assert len(layout_cache) == 1
    cached = mounts._layout_cache_file(sys.executable)
    assert cached.stat().st_mode & 0o777 == 0o600
    mounts.interpreter_layout.cache_clear()
    assert mounts.interpreter_layout(sys.executable) == first
    assert len(layout_cache) == 1  # read back, not asked again


def test_a_stale_or_shared_layout_file_is_not_trusted(layout_cache: list[Any]) -> None:
    first = mounts.interpreter_layout(sys.executable)
    cached = mounts._layout_cache_file(sys.executable)
    saved = json.loads(cached.read_text())
    # A path folder that changed since (a package installed, a .pth added) invalidates it.
    saved["fingerprint"][0][1] = 1
    cached.write_text(json.dumps(saved))
    mounts.interpreter_layout.cache_clear()
    assert mounts.interpreter_layout(sys.executable) == first
    assert len(layout_cache) == 2
    # A file others may write could add mounts to every sandbox: never read.
    cached.chmod(0o666)
    mounts.interpreter_layout.cache_clear()
    mounts.interpreter_layout(sys.executable)
    assert len(layout_cache) == 3


def test_cpu_so_far_reads_what_psutil_reads(tmp_path: Path) -> None:
    group = Cgroup.create(256 * 1024 * 1024, 16)
    if group is None:
        pytest.skip("this host lets us make no cgroup")
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    setup = child_setup(LIMITS, memory_by_cgroup=True, cgroup_procs=group.procs_files())
    proc = subprocess.Popen(
        [sys.executable, "-c", burn + "time.sleep(30)"],
        preexec_fn=setup,  # noqa: PLW1509 - joins the cgroup before exec
    )
    try:
        monitor = Monitor(LIMITS, proc.pid, tmp_path, group)
        deadline = time.monotonic() + 20
        while monitor.cpu_so_far() < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        fast = monitor.cpu_so_far()
        monitor.sample()
        assert fast >= 0.3
        assert abs(fast - monitor.totals.cpu_seconds) < 0.05
    finally:
        proc.kill()
        proc.wait()
        group.remove()


def test_warming_up_the_cgroup_moves_leaves_this_process_where_it_was() -> None:
    """warm_up() makes the kernel's cgroup-move lock ready (a move into our own cgroup): this
    process's cgroups are the same after it, and nothing is left running."""
    import threading

    from meta_agent.runtime.cgroup import warm_up

    before = Path("/proc/self/cgroup").read_text()
    warm_up()
    warming = [t for t in threading.enumerate() if t.name == "meta-agent-cgroup"]
    for thread in warming:
        thread.join(10)
        assert not thread.is_alive()
    assert Path("/proc/self/cgroup").read_text() == before


def test_a_one_shot_bwrap_backend_starts_no_launcher_it_would_not_use() -> None:
    """A pool member serves exec and ask: no slot keeper (thread, launcher) until prepare()."""
    from meta_agent.runtime.bwrap import BwrapBackend

    backend = BwrapBackend()
    try:
        assert backend._slots is None
    finally:
        backend.close()


def test_an_early_executor_hands_over_what_its_start_gave() -> None:
    backend = FakeBackend()
    early = EarlyExecutor(lambda: Executor(backend))
    result = early.run(RunSpec(Path("/nonexistent/script.py"), Path("/tmp/unused-run")))
    assert result.backend == "fake" and len(backend.calls) == 1
    early.close()
    with pytest.raises(RuntimeError, match="closed"):
        early.executor()

    def broken() -> Executor:
        raise ExecutionError("The bwrap sandbox cannot run here: test.")

    failed = EarlyExecutor(broken)
    with pytest.raises(ExecutionError, match="cannot run here"):
        failed.run(RunSpec(Path("/nonexistent/script.py"), Path("/tmp/unused-run")))
    failed.close()  # nothing was started, nothing to close


@pytest.mark.parametrize(
    ("source", "preload"),
    [
        ("print('hi')\n", "bare"),
        ("import os, json\n", "bare"),
        ("import pandas as pd\n", "light"),
        ("from meta_agent.tool_library.data_tools import export_to_csv\n", "light"),
        ("from meta_agent.tool_library.chart_tools import plot_dscr\n", "full"),
        ("import matplotlib.pyplot as plt\n", "full"),
        ("def broken(:\n", "bare"),
    ],
)
def test_a_member_imports_what_its_script_imports(source: str, preload: str) -> None:
    assert preload_for(source) == preload


def test_a_bare_member_runs_a_script_like_a_cold_sandbox(
    bwrap_ok: None, sqlite_db: Path, make_script: Any, tmp_path: Path
) -> None:
    db = f"sqlite:///{sqlite_db}"
    probe = (
        "import os, sys\n"
        "print('pandas' in sys.modules, os.environ['META_AGENT_RESULTS_DIR'])\n"
        "open(os.environ['META_AGENT_RESULTS_DIR'] + '/out.txt', 'w').write('ok')\n"
        "values = [1, 2]\n"
        "values[5]\n"
    )
    options = {"database_url": db, "prewarm_only": True, "preload": "bare"}
    with Executor("bwrap", LIMITS, pool_size=1, **options) as executor:
        result = executor.run(RunSpec(make_script(probe), tmp_path / "run", database_url=db))
    assert result.backend == "bwrap-pool"
    assert result.status == "failed" and "IndexError" in (result.error or "")
    assert (tmp_path / "run" / "results" / "out.txt").read_text() == "ok"
    log = (tmp_path / "run" / "logs" / "run.log").read_text()
    assert "False /sandbox/results" in log  # nothing preloaded, same paths as a cold run
    assert "values[5]" in log  # the traceback shows the script's own line
