"""Pre-started launchers: used when ready, replaced when dead, gone after close."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import psutil

from meta_agent.runtime import Executor, Limits, RunSpec
from meta_agent.runtime.bwrap import BwrapBackend


def _waiting(backend: BwrapBackend, timeout: float = 10) -> list[Any]:
    deadline = time.monotonic() + timeout
    keeper = backend._slots
    assert keeper is not None
    while time.monotonic() < deadline:
        slots = list(keeper._ready.values())
        if slots:
            return slots
        time.sleep(0.01)
    raise AssertionError("no launcher became ready")


def test_runs_use_and_replace_launchers(bwrap_ok: None, make_script: Any, tmp_path: Path) -> None:
    backend = BwrapBackend()
    with Executor(backend, Limits()) as executor:
        first = _waiting(backend)[0]
        result = executor.run(RunSpec(make_script("print('hi')\n"), tmp_path / "a"))
        assert result.status == "succeeded", result.error
        assert first.proc.returncode is not None  # it served the run
        second = _waiting(backend)[0]
        assert second is not first
    assert not psutil.pid_exists(second.proc.pid) or second.proc.returncode is not None


def test_a_dead_launcher_falls_back_to_a_direct_start(
    bwrap_ok: None, make_script: Any, tmp_path: Path
) -> None:
    backend = BwrapBackend()
    with Executor(backend, Limits()) as executor:
        slot = _waiting(backend)[0]
        os.killpg(slot.proc.pid, signal.SIGKILL)
        slot.proc.wait()
        result = executor.run(RunSpec(make_script("print('still fine')\n"), tmp_path / "b"))
    assert result.status == "succeeded", result.error
    assert "still fine" in (tmp_path / "b" / "logs" / "run.log").read_text()


def test_other_limits_start_directly(bwrap_ok: None, make_script: Any, tmp_path: Path) -> None:
    backend = BwrapBackend()
    try:
        result = backend.run(
            RunSpec(make_script("print(1)\n"), tmp_path / "c"), Limits(memory_mb=300)
        )
        assert result.status == "succeeded", result.error
    finally:
        backend.close()
