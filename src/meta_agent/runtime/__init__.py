"""Sandboxed execution of generated scripts: backends behind one protocol, limits, a warm pool."""

from __future__ import annotations

from meta_agent.runtime.backend import Limits, RunResult, RunSpec, SandboxBackend, Status
from meta_agent.runtime.executor import Executor, backend_problems, choose_backend
from meta_agent.runtime.fake import FakeBackend, FakeOutcome

__all__ = [
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
]
