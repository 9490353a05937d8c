"""Backend choice, the executor's contract, and the fake backend callers test with."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

import meta_agent.runtime as runtime
from meta_agent.errors import ExecutionError, SandboxUnavailable
from meta_agent.runtime import Executor, FakeBackend, FakeOutcome, Limits, RunSpec, SandboxBackend
from meta_agent.runtime import executor as executor_module
from meta_agent.runtime.bwrap_locate import find_bwrap


def test_public_names() -> None:
    assert sorted(runtime.__all__) == runtime.__all__
    assert set(runtime.__all__) == {
        "Credential",
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


def test_auto_never_falls_back_to_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without bwrap or Docker, auto refuses and says why and what to do; docker still counts."""
    _unavailable(monkeypatch, "bwrap", "docker")
    with pytest.raises(SandboxUnavailable) as refused:
        Executor("auto")
    message = str(refused.value)
    assert isinstance(refused.value, ExecutionError)
    assert "bwrap: not here; docker: not here" in message
    for fix in ("unprivileged_userns_clone=1", "--sandbox process", "META_AGENT_SANDBOX=process"):
        assert fix in message
    assert Executor("process").backend_name == "process"  # named explicitly, it runs
    created: list[str] = []
    monkeypatch.setitem(
        executor_module.BACKENDS,
        "docker",
        (lambda: created.append("docker") or FakeBackend(), lambda: None),
    )
    Executor("auto")
    assert created == ["docker"]


def test_process_is_never_in_the_auto_order() -> None:
    assert "process" not in executor_module.AUTO_ORDER
    assert executor_module.AUTO_ORDER[0] == "bwrap"


def test_explicit_backend_must_be_available(monkeypatch: pytest.MonkeyPatch) -> None:
    _unavailable(monkeypatch, "docker")
    with pytest.raises(
        SandboxUnavailable, match=r"docker sandbox cannot run here.*docker: not here"
    ):
        Executor("docker")
    with pytest.raises(ValueError, match="Unknown sandbox backend"):
        Executor("chroot")


def test_sandbox_report_says_what_would_run(monkeypatch: pytest.MonkeyPatch) -> None:
    report = dict(executor_module.sandbox_report("process"))
    assert report["sandbox in force"].startswith("process (weak isolation")
    _unavailable(monkeypatch, "bwrap", "docker")
    report = dict(executor_module.sandbox_report("auto"))
    assert report["sandbox in force"].startswith("none: scripts are refused.")
    assert "--sandbox process" in report["sandbox in force"]


def test_bwrap_run_records_its_binary(bwrap_ok: None, make_script: Any, run_dir: Path) -> None:
    found = find_bwrap().found
    assert found is not None
    with Executor("bwrap") as executor:
        result = executor.run(RunSpec(make_script("print(1)\n"), run_dir))
    assert result.status == "succeeded"
    sandbox = result.to_dict()["sandbox"]
    assert sandbox["backend"] == "bwrap" and sandbox["path"] == found.path
    assert sandbox["source"] in ("system", "bundled") and sandbox["version"] == found.version
    assert sandbox["sha256"] == hashlib.sha256(Path(found.path).read_bytes()).hexdigest()


def test_process_run_warns_once(make_script: Any, run_dir: Path) -> None:
    result = Executor("process").run(RunSpec(make_script("print(1)\n"), run_dir))
    assert result.status == "succeeded"
    assert len(result.warnings) == 1 and "isolation is weak" in result.warnings[0]
    assert result.sandbox == {"backend": "process"}


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
