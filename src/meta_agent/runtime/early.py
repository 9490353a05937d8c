"""An executor started ahead of its first run, so the sandbox boots while the caller works.

``exec`` starts one before it validates the script: the backend's trial, and with bwrap a warm
member for this script (pool.py), cost ~15 ms of the caller's time, and the member then boots
in its own process while the script is checked. (A background thread would not help: the
caller's validation holds the GIL, and the start would wait for it.) Whatever the start raised,
say a backend that cannot run here, is raised by ``run``, where the caller would have met it;
the script itself is sent only when the caller runs it, after validation.
"""

from __future__ import annotations

from collections.abc import Callable

from meta_agent.runtime.backend import RunResult, RunSpec
from meta_agent.runtime.executor import Executor


class EarlyExecutor:
    """``factory()`` called now; ``run`` uses what it returned, or raises what it raised."""

    def __init__(self, factory: Callable[[], Executor]) -> None:
        self._executor: Executor | None = None
        self._error: Exception | None = None
        try:
            self._executor = factory()
        except Exception as exc:  # noqa: BLE001 - handed to the caller by executor()
            self._error = exc

    def executor(self) -> Executor:
        """The started executor, or the error starting it raised."""
        if self._error is not None:
            raise self._error
        if self._executor is None:
            raise RuntimeError("The executor was already closed.")
        return self._executor

    def run(self, spec: RunSpec) -> RunResult:
        """Run one script on the started executor."""
        return self.executor().run(spec)

    def close(self) -> None:
        """Close the executor (a failed start left nothing to close)."""
        if self._executor is not None:
            self._executor.close()
            self._executor = None
