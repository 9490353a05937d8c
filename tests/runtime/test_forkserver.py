"""The forking sandbox: imports once, a fresh child per run, no state between runs, same limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from meta_agent.runtime import Limits, RunSpec
from meta_agent.runtime.forkserver import ForkServer
from tests.runtime.test_sandbox_pool import INSPECT, POISON

LIMITS = Limits(timeout_seconds=60, cpu_seconds=2, memory_mb=400, max_processes=32)
STRAY = (
    "import subprocess, sys\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'], "
    "start_new_session=True)\n"
)
NO_STRAYS = (
    "import os, json\n"
    "pids = [p for p in os.listdir('/proc') if p.isdigit()]\n"
    "json.dump({'processes': len(pids)}, open(os.environ['META_AGENT_RESULTS_DIR'] + "
    "'/p.json', 'w'))\n"
)


@pytest.fixture()
def server(bwrap_ok: None, sqlite_db: Path) -> Iterator[ForkServer]:
    with ForkServer(LIMITS, database_url=f"sqlite:///{sqlite_db}") as started:
        started.start()
        yield started


def spec(script: Path, run_dir: Path, server: ForkServer, **variables: str) -> RunSpec:
    return RunSpec(script, run_dir, database_url=server.database_url, variables=variables)


def test_no_state_passes_between_runs(server: ForkServer, make_script: Any, tmp_path: Path) -> None:
    first = server.run(spec(make_script(POISON, "poison.py"), tmp_path / "r1", server))
    assert first.status == "succeeded", first.error
    assert first.backend == "bwrap-fork"
    assert (tmp_path / "r1" / "results" / "first.csv").is_file()
    assert "poisoned" in (tmp_path / "r1" / "logs" / "run.log").read_text()
    second = server.run(
        spec(make_script(INSPECT, "inspect.py"), tmp_path / "r2", server, RUN_SECRET="only-2")
    )
    assert second.status == "succeeded", second.error
    state = json.loads((tmp_path / "r2" / "results" / "state.json").read_text())
    assert state == {
        "poisoned": False,
        "env": False,
        "tmp": state["tmp"],
        "results": [],
        "preloaded": True,
        "secret": "only-2",
    }
    assert "leftover.txt" not in state["tmp"]
    assert not (tmp_path / "r2" / "results" / "first.csv").exists()
    assert server.starts == 1


def test_a_run_leaves_no_process_behind(
    server: ForkServer, make_script: Any, tmp_path: Path
) -> None:
    before = server.run(spec(make_script(NO_STRAYS, "count.py"), tmp_path / "r0", server))
    assert before.status == "succeeded", before.error
    stray = server.run(spec(make_script(STRAY, "stray.py"), tmp_path / "r1", server))
    assert stray.status == "succeeded", stray.error
    after = server.run(spec(make_script(NO_STRAYS, "count.py"), tmp_path / "r2", server))
    counted = [
        json.loads((tmp_path / r / "results" / "p.json").read_text())["processes"]
        for r in ("r0", "r2")
    ]
    assert after.status == "succeeded" and counted[0] == counted[1]


def test_limits_apply_per_run_and_the_next_run_goes_on(
    server: ForkServer, make_script: Any, tmp_path: Path
) -> None:
    burn = server.run(spec(make_script("while True:\n    pass\n"), tmp_path / "cpu", server))
    assert burn.status == "cpu_limit"  # the imports' CPU is not the run's
    hog = server.run(
        spec(
            make_script("x = []\nwhile True:\n    x.append(bytearray(8 << 20))\n"),
            tmp_path / "mem",
            server,
        )
    )
    assert hog.status == "memory_limit"
    fine = server.run(spec(make_script("print('still here')\n"), tmp_path / "ok", server))
    assert fine.status == "succeeded", fine.error


def test_timeout_and_a_sandbox_that_dies_mid_run(
    bwrap_ok: None, make_script: Any, tmp_path: Path
) -> None:
    import os
    import signal
    import threading

    with ForkServer(Limits(timeout_seconds=1)) as server:
        slow = server.run(
            spec(make_script("import time\ntime.sleep(30)\n"), tmp_path / "t", server)
        )
        assert slow.status == "timeout" and 1 <= slow.wall_seconds < 4
        # A run cannot kill the sandbox's init (itself, kill(-1)); the host can: the run fails
        # alone and the next run gets a new sandbox.
        killer = make_script(
            "import contextlib, os, signal\n"
            "os.kill(os.getppid(), signal.SIGKILL)\n"
            "with contextlib.suppress(ProcessLookupError):\n"
            "    os.kill(-1, signal.SIGKILL)\n"
            "print('ppid', os.getppid())\n"
        )
        survived = server.run(spec(killer, tmp_path / "k", server))
        assert survived.status == "succeeded", survived.error
        assert "ppid 1" in (tmp_path / "k" / "logs" / "run.log").read_text()
        proc = server._proc
        assert proc is not None
        stop = threading.Timer(0.5, lambda: os.killpg(proc.pid, signal.SIGKILL))
        stop.start()
        killed = server.run(
            spec(make_script("import time\ntime.sleep(0.9)\n"), tmp_path / "d", server)
        )
        stop.join()
        assert killed.status == "failed"
        assert any("killed and replaced" in w for w in killed.warnings)
        after = server.run(spec(make_script("print(1)\n"), tmp_path / "a", server))
        assert after.status == "succeeded", after.error
        assert server.starts == 2


def test_close_removes_the_sandbox(bwrap_ok: None, make_script: Any, tmp_path: Path) -> None:
    server = ForkServer(LIMITS)
    assert server.run(spec(make_script("print(1)\n"), tmp_path / "r", server)).ok
    proc = server._proc
    assert proc is not None
    children = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    root = server.root
    server.close()
    assert not root.exists()
    assert all(gone(pid) for pid in [proc.pid, *children])


def gone(pid: int) -> bool:
    """Ended: no such process, or a zombie left to a parent that is not us."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_network_runs_and_other_databases_are_refused(
    bwrap_ok: None, make_script: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meta_agent.runtime import forkserver

    server = ForkServer(LIMITS)
    script = make_script("print(1)\n")
    assert server.accepts(RunSpec(script, tmp_path / "r"))
    network = RunSpec(script, tmp_path / "n", allowed_hosts=["example.com"])
    assert not server.accepts(network)
    assert server.run(network).status == "error"
    other = RunSpec(script, tmp_path / "o", database_url="sqlite:////elsewhere.db")
    assert server.run(other).status == "error"
    monkeypatch.setattr(forkserver, "MAX_RUNS_PER_SANDBOX", 2)
    assert all(server.run(RunSpec(script, tmp_path / f"r{i}")).ok for i in range(3))
    assert server.starts == 2  # replaced after two runs
    server.close()


def test_a_run_cannot_swap_its_log_for_a_host_file(
    server: ForkServer, make_script: Any, tmp_path: Path
) -> None:
    secret = tmp_path / "host-secret.txt"
    secret.write_text("host secret\n")
    swap = make_script(
        "import os\n"
        "os.close(1)\n"
        "os.remove('/run/meta-agent/output/stdout')\n"
        f"os.symlink({str(secret)!r}, '/run/meta-agent/output/stdout')\n"
        "os.remove('/run/meta-agent/output/stderr')\n"
        "os.mkfifo('/run/meta-agent/output/stderr')\n"
    )
    result = server.run(spec(swap, tmp_path / "swap", server))
    log = (tmp_path / "swap" / "logs" / "run.log").read_text()
    assert "host secret" not in log and "is not a file; not read" in log
    assert result.status == "succeeded", result.error
    after = server.run(spec(make_script("print('next')\n"), tmp_path / "next", server))
    assert after.ok and "next" in (tmp_path / "next" / "logs" / "run.log").read_text()
