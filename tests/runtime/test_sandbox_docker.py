"""The docker backend: its container settings everywhere; real runs only where an engine answers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from meta_agent.runtime import Limits, RunSpec
from meta_agent.runtime.docker import (
    MISSING_PACKAGE,
    DockerBackend,
    container_options,
    docker_problem,
)
from meta_agent.runtime.environment import Bind


def test_container_options_match_the_sandbox_contract(tmp_path: Path) -> None:
    limits = Limits(memory_mb=256, max_processes=20, cpu_seconds=9, max_output_mb=3)
    binds = [
        Bind(tmp_path / "script.py", "/sandbox/script.py"),
        Bind(tmp_path / "results", "/sandbox/results", writable=True),
    ]
    spec = RunSpec(tmp_path / "script.py", tmp_path)
    options = container_options(
        spec, limits, "img:1", {"HOME": "/tmp"}, "/sandbox/script.py", binds
    )
    assert options["network_mode"] == "none" and options["read_only"] is True
    assert options["cap_drop"] == ["ALL"] and "no-new-privileges" in options["security_opt"]
    assert options["mem_limit"] == options["memswap_limit"] == 256 * 1024 * 1024
    assert options["pids_limit"] == 20
    assert {"Name": "cpu", "Soft": 9, "Hard": 10} in options["ulimits"]
    assert {"Name": "fsize", "Soft": 3 << 20, "Hard": 3 << 20} in options["ulimits"]
    assert options["volumes"][str(tmp_path / "script.py")]["mode"] == "ro"
    assert options["volumes"][str(tmp_path / "results")]["mode"] == "rw"
    assert options["command"] == ["python", "-I", "-u", "/sandbox/script.py"]
    assert options["environment"] == {"HOME": "/tmp"}


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "docker", None)
    assert docker_problem() == MISSING_PACKAGE
    assert "meta-agent[docker]" in MISSING_PACKAGE


@pytest.mark.docker
def test_real_docker_run(make_script: Any, run_dir: Path) -> None:
    problem = docker_problem()
    if problem:
        pytest.skip(f"docker backend not testable here: {problem}")
    script = make_script("import os\nprint('in container', os.getuid())\n")
    result = DockerBackend().run(RunSpec(script, run_dir), Limits(timeout_seconds=60))
    assert result.status == "succeeded", result.error


class FakeContainer:
    """Just enough of docker's Container for the backend's supervision loop."""

    def __init__(
        self, options: dict[str, Any], exit_code: int, oom: bool, output: list[Any]
    ) -> None:
        self.options = options
        self.status = "created"
        self.exit_code = exit_code
        self.oom = oom
        self.output = output
        self.killed = self.removed = False

    def attach(self, **_: Any) -> Any:
        return iter(self.output)

    def start(self) -> None:
        self.status = "running"

    def reload(self) -> None:
        if self.status == "running":
            self.status = "exited"

    def kill(self) -> None:
        self.killed = True

    def wait(self, timeout: float) -> dict[str, int]:
        return {"StatusCode": self.exit_code}

    @property
    def attrs(self) -> dict[str, Any]:
        return {"State": {"ExitCode": self.exit_code, "OOMKilled": self.oom}}

    def stats(self, **_: Any) -> Any:
        return iter([{"memory_stats": {"max_usage": 50 << 20}}])

    def remove(self, force: bool) -> None:
        self.removed = True


class FakeClient:
    def __init__(self, **container: Any) -> None:
        self.container_args = container
        self.created: list[FakeContainer] = []
        self.containers = self

    def create(self, **options: Any) -> FakeContainer:
        container = FakeContainer(options, **self.container_args)
        self.created.append(container)
        return container


def test_docker_backend_supervises_a_container(make_script: Any, run_dir: Path) -> None:
    client = FakeClient(exit_code=0, oom=False, output=[(b"hello\n", None), (None, b"warn\n")])
    script = make_script("print('hello')\n")
    result = DockerBackend(client=client).run(RunSpec(script, run_dir), Limits())
    assert result.status == "succeeded" and result.backend == "docker"
    assert result.peak_memory_mb == 50.0
    log = (run_dir / "logs" / "run.log").read_text()
    assert "[stdout] hello" in log and "[stderr] warn" in log
    container = client.created[0]
    assert container.removed and container.options["network_mode"] == "none"


def test_docker_oom_is_memory_limit(make_script: Any, run_dir: Path) -> None:
    client = FakeClient(exit_code=137, oom=True, output=[])
    result = DockerBackend(client=client).run(RunSpec(make_script("x\n"), run_dir), Limits())
    assert result.status == "memory_limit"
