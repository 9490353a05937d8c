"""Backend choice, the executor's contract, and the fake backend callers test with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import meta_agent.runtime as runtime
from meta_agent.errors import ExecutionError
from meta_agent.runtime import Executor, FakeBackend, FakeOutcome, Limits, RunSpec, SandboxBackend
from meta_agent.runtime import executor as executor_module


def test_public_names() -> None:
    assert sorted(runtime.__all__) == runtime.__all__
    assert set(runtime.__all__) == {
        "Executor",
        "FakeBackend",
        "FakeOutcome",
        "Limits",
        "RunResult",
        "RunSpec",
        "SandboxBackend",
        "Status",
        "backend_problems",
        "choose_backend",
    }


def test_auto_prefers_bwrap(bwrap_ok: None) -> None:
    assert Executor("auto").backend_name == "bwrap"


def _unavailable(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    for name in names:
        factory, _ = executor_module.BACKENDS[name]
        monkeypatch.setitem(executor_module.BACKENDS, name, (factory, lambda: "not here"))


def test_auto_falls_back_to_docker_then_process(monkeypatch: pytest.MonkeyPatch) -> None:
    _unavailable(monkeypatch, "bwrap", "docker")
    assert Executor("auto").backend_name == "process"
    created: list[str] = []
    monkeypatch.setitem(
        executor_module.BACKENDS,
        "docker",
        (lambda: created.append("docker") or FakeBackend(), lambda: None),
    )
    Executor("auto")
    assert created == ["docker"]


def test_explicit_backend_must_be_available(monkeypatch: pytest.MonkeyPatch) -> None:
    _unavailable(monkeypatch, "docker")
    with pytest.raises(ExecutionError, match="docker sandbox cannot run here: not here"):
        Executor("docker")
    with pytest.raises(ValueError, match="Unknown sandbox backend"):
        Executor("chroot")


def test_process_run_warns_once(make_script: Any, run_dir: Path) -> None:
    result = Executor("process").run(RunSpec(make_script("print(1)\n"), run_dir))
    assert result.status == "succeeded"
    assert len(result.warnings) == 1 and "isolation is weak" in result.warnings[0]


def test_fake_backend_replays_outcomes(tmp_path: Path) -> None:
    fake = FakeBackend(
        FakeOutcome(stdout=["computing"], files={"dscr.csv": b"a,b\n1,2\n"}),
        FakeOutcome(breach="timeout"),
        FakeOutcome(error="engine down"),
    )
    assert isinstance(fake, SandboxBackend)
    lines: list[tuple[str, str]] = []
    executor = Executor(fake, Limits(timeout_seconds=5))
    spec = RunSpec(
        tmp_path / "s.py",
        tmp_path / "r1",
        expected_outputs=["dscr.csv"],
        on_log=lambda s, line: lines.append((s, line)),
    )
    first = executor.run(spec)
    assert (first.status, first.artifacts, first.backend) == ("succeeded", ["dscr.csv"], "fake")
    assert ("stdout", "computing") in lines
    second = executor.run(RunSpec(tmp_path / "s.py", tmp_path / "r2"))
    assert second.status == "timeout" and "5 s wall-clock" in (second.error or "")
    third = executor.run(RunSpec(tmp_path / "s.py", tmp_path / "r3"))
    assert (third.status, third.error) == ("error", "engine down")
    assert len(fake.calls) == 3 and fake.calls[0][1].timeout_seconds == 5


def test_result_serialises_to_json(tmp_path: Path) -> None:
    result = Executor(FakeBackend()).run(RunSpec(tmp_path / "s.py", tmp_path / "run"))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["status"] == "succeeded" and data["limits"]["memory_mb"] == 512
    assert data["log_path"].endswith("logs/run.log")


def test_missing_script_is_an_error(make_script: Any, run_dir: Path) -> None:
    result = Executor("process").run(RunSpec(run_dir / "nope.py", run_dir))
    assert result.status == "error" and "does not exist" in (result.error or "")


def test_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from meta_agent.config import Settings

    settings = Settings(sandbox="process", memory_mb=300, timeout_seconds=7)
    executor = Executor.from_settings(settings)
    assert executor.backend_name == "process"
    assert executor.limits.memory_mb == 300 and executor.limits.timeout_seconds == 7
