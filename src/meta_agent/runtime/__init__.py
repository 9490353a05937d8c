"""Sandboxed execution of generated scripts: backends behind one protocol, limits, a warm pool.

Names are imported on first use, so that reading ``runtime.backend``'s limits does not load the
executor, psutil and the backends.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meta_agent.runtime.backend import Limits as Limits
    from meta_agent.runtime.backend import RunResult as RunResult
    from meta_agent.runtime.backend import RunSpec as RunSpec
    from meta_agent.runtime.backend import SandboxBackend as SandboxBackend
    from meta_agent.runtime.backend import Status as Status
    from meta_agent.runtime.broker import Credential as Credential
    from meta_agent.runtime.executor import Executor as Executor
    from meta_agent.runtime.executor import backend_problems as backend_problems
    from meta_agent.runtime.executor import choose_backend as choose_backend
    from meta_agent.runtime.fake import FakeBackend as FakeBackend
    from meta_agent.runtime.fake import FakeOutcome as FakeOutcome

_EXPORTS = {
    "Credential": "meta_agent.runtime.broker",
    "Executor": "meta_agent.runtime.executor",
    "FakeBackend": "meta_agent.runtime.fake",
    "FakeOutcome": "meta_agent.runtime.fake",
    "Limits": "meta_agent.runtime.backend",
    "RunResult": "meta_agent.runtime.backend",
    "RunSpec": "meta_agent.runtime.backend",
    "SandboxBackend": "meta_agent.runtime.backend",
    "Status": "meta_agent.runtime.backend",
    "backend_problems": "meta_agent.runtime.executor",
    "choose_backend": "meta_agent.runtime.executor",
}

__all__ = [
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
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'meta_agent.runtime' has no attribute {name!r}")
