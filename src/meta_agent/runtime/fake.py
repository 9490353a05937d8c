"""An in-memory backend for testing callers of the runtime: canned outcomes, no process at all.

Each ``run`` takes the next ``FakeOutcome`` from its queue (or the default one), writes its files
into results/, streams its lines through the same log writer as a real run (timestamps,
redaction, ``on_log``) and checks results the same way, so callers see realistic RunResults.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from meta_agent.runtime.backend import Limits, RunResult, RunSpec, Status
from meta_agent.runtime.supervise import RunContext, Watched, finish


@dataclass
class FakeOutcome:
    """What the fake script 'does': its output lines, files, exit code, or a limit it breaches."""

    stdout: Iterable[str] = ()
    stderr: Iterable[str] = ()
    files: Mapping[str, bytes] = field(default_factory=dict)
    exit_code: int = 0
    breach: Status | None = None
    wall_seconds: float = 0.01
    cpu_seconds: float = 0.01
    peak_memory_mb: float = 10.0
    error: str | None = None  # when set: the run cannot start (status "error")


class FakeBackend:
    """Replays queued outcomes; ``calls`` records every (spec, limits) it was given."""

    name = "fake"

    def __init__(self, *outcomes: FakeOutcome, default: FakeOutcome | None = None) -> None:
        self.queue: deque[FakeOutcome] = deque(outcomes)
        self.default = default or FakeOutcome()
        self.calls: list[tuple[RunSpec, Limits]] = []

    def push(self, outcome: FakeOutcome) -> None:
        self.queue.append(outcome)

    def run(self, spec: RunSpec, limits: Limits) -> RunResult:
        """Play the next outcome as if a script had run."""
        self.calls.append((spec, limits))
        outcome = self.queue.popleft() if self.queue else self.default
        context = RunContext.open(spec, limits, self.name)
        if outcome.error is not None:
            return context.error_result(outcome.error)
        for line in outcome.stdout:
            context.writer.line("stdout", line)
        for line in outcome.stderr:
            context.writer.line("stderr", line)
        for name, data in outcome.files.items():
            target = spec.results_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if spec.on_tick is not None:
            spec.on_tick(outcome.wall_seconds)
        breach = outcome.breach or ("log_limit" if context.writer.breached.is_set() else None)
        watched = Watched(
            breach=breach,
            wait_status=(outcome.exit_code & 0xFF) << 8,
            cpu_seconds=outcome.cpu_seconds,
            peak_memory_mb=outcome.peak_memory_mb,
            wall_seconds=outcome.wall_seconds,
        )
        context.started = time.monotonic() - outcome.wall_seconds
        return finish(context, watched, exit_code_carries_signal=False)
