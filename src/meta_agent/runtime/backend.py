"""What every sandbox backend agrees on: the limits, the run request, the result, the protocol.

A backend is anything with a ``name`` and ``run(spec, limits) -> RunResult``; the executor picks
one and never branches on its kind. Results are plain data so the CLI can print them as JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from meta_agent.config import (  # the defaults (and why): Limits() is an unconfigured install
    DEFAULT_CPU_SECONDS,
    DEFAULT_MAX_LOG_MB,
    DEFAULT_MAX_OUTPUT_MB,
    DEFAULT_MAX_PROCESSES,
    DEFAULT_MAX_TOTAL_OUTPUT_MB,
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_SECONDS,
)

Status = Literal[
    "succeeded",
    "failed",
    "timeout",
    "memory_limit",
    "cpu_limit",
    "output_limit",
    "log_limit",
    "process_limit",
    "error",
]
# Every status a breached limit can produce, in the order they are checked.
LIMIT_STATUSES: tuple[Status, ...] = (
    "timeout",
    "memory_limit",
    "cpu_limit",
    "output_limit",
    "log_limit",
    "process_limit",
)
Stream = Literal["stdout", "stderr", "runtime"]
LogCallback = Callable[[str, str], None]
TickCallback = Callable[[float], None]

MB = 1024 * 1024
SECRET_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,127}$")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one run; every one is enforced and names its own status when breached."""

    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    cpu_seconds: int = DEFAULT_CPU_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB
    max_processes: int = DEFAULT_MAX_PROCESSES
    max_output_mb: float = DEFAULT_MAX_OUTPUT_MB
    max_total_output_mb: float = DEFAULT_MAX_TOTAL_OUTPUT_MB
    max_log_mb: float = DEFAULT_MAX_LOG_MB

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}.")

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_mb * MB)

    @property
    def output_bytes(self) -> int:
        return int(self.max_output_mb * MB)

    @property
    def total_output_bytes(self) -> int:
        return int(self.max_total_output_mb * MB)

    @property
    def log_bytes(self) -> int:
        return int(self.max_log_mb * MB)

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        """The limits configured in a ``config.Settings`` (or anything with the same fields)."""
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class RunSpec:
    """One script to run, where its run folder is, and what it may use."""

    script: Path
    run_dir: Path
    database_url: str | None = None
    allowed_hosts: Sequence[str] = ()
    secrets: Mapping[str, str] = field(default_factory=dict)
    expected_outputs: Sequence[str] | None = None
    on_log: LogCallback | None = None
    on_tick: TickCallback | None = None

    def __post_init__(self) -> None:
        self.script = Path(self.script)
        self.run_dir = Path(self.run_dir)
        for name, value in self.secrets.items():
            if not SECRET_NAME.match(name) or not isinstance(value, str):
                raise ValueError(f"Secret {name!r} needs an UPPER_CASE name and a string value.")

    @property
    def results_dir(self) -> Path:
        return self.run_dir / "results"

    @property
    def logs_dir(self) -> Path:
        return self.run_dir / "logs"

    @property
    def log_path(self) -> Path:
        return self.logs_dir / "run.log"


@dataclass
class RunResult:
    """What happened to one run; holds no secret and nothing produced inside the sandbox but names."""

    status: Status
    backend: str
    limits: Limits
    exit_code: int | None = None
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_memory_mb: float = 0.0
    artifacts: list[str] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    log_path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (for ``meta-agent exec --json`` and the run archive)."""
        data = asdict(self)
        data["limits"] = self.limits.to_dict()
        data["log_path"] = str(self.log_path) if self.log_path else None
        return data


@runtime_checkable
class SandboxBackend(Protocol):
    """Runs one script under limits and reports what happened; one module per implementation."""

    name: str

    def run(self, spec: RunSpec, limits: Limits) -> RunResult:
        """Run ``spec.script``; never raises for anything the script does."""
        ...
