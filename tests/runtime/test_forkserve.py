"""The process inside a forking sandbox, run on the host: how it waits for and stops a run."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from meta_agent.runtime import forkserve


def request(tmp_path: Path, timeout: float) -> dict[str, object]:
    (tmp_path / "logs").mkdir(exist_ok=True)
    (tmp_path / "results").mkdir(exist_ok=True)
    return {
        "timeout_seconds": timeout, "memory_bytes": 1 << 40, "max_processes": 10_000,
        "log_bytes": 1 << 20, "total_output_bytes": 1 << 20,
        "logs_dir": str(tmp_path / "logs"), "results_dir": str(tmp_path / "results"),
        "cpu_seconds": 1000, "pids_events": None,
    }  # fmt: skip


def child(seconds: float, code: int) -> int:
    pid = os.fork()
    if pid == 0:
        time.sleep(seconds)
        os._exit(code)
    return pid


@pytest.mark.parametrize("pidfd", [True, False])
def test_a_run_ends_or_is_stopped_at_its_timeout(
    pidfd: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not pidfd:
        monkeypatch.delattr(os, "pidfd_open")  # kernels before 5.3
    ended = child(0.1, 3)
    monkeypatch.setattr(forkserve, "others", lambda: [ended])
    report = forkserve.supervise(ended, request(tmp_path, 30))
    assert report["breach"] is None and os.WEXITSTATUS(report["wait_status"]) == 3
    slow = child(30, 0)
    monkeypatch.setattr(forkserve, "others", lambda: [slow])
    started = time.monotonic()
    report = forkserve.supervise(slow, request(tmp_path, 0.3))
    assert report["breach"] == "timeout" and os.WTERMSIG(report["wait_status"]) == signal.SIGKILL
    assert time.monotonic() - started < 5
