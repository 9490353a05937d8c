"""An executor started in a background thread, so the sandbox gets ready while the caller works.

Choosing the backend runs a trial sandbox, and the first bwrap run wants a launcher already in
its cgroup (slots.py): together tens of milliseconds spent mostly waiting on other processes.
A command that must validate or plan first starts them here and overlaps the two. Whatever the
start raises (say, a backend that cannot run here) is raised again by ``run``, where the caller
would have met it, and a run still waits for the start to finish: nothing runs unprepared.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from meta_agent.runtime.backend import RunResult, RunSpec
from meta_agent.runtime.executor import Executor


class EarlyExecutor:
    """``factory()`` called now in a thread; ``run`` and ``close`` wait for it to return."""

    def __init__(self, factory: Callable[[], Executor]) -> None:
        self._factory = factory
        self._executor: Executor | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, name="meta-agent-early", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self._executor = self._factory()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by executor()
            self._error = exc

    def executor(self) -> Executor:
        """The started executor (waiting for it), or the error starting it raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._executor is None:
            raise RuntimeError("The executor was already closed.")
        return self._executor

    def run(self, spec: RunSpec) -> RunResult:
        """Run one script on the started executor."""
        return self.executor().run(spec)

    def close(self) -> None:
        """Close the executor once it has started (a failed start leaves nothing to close)."""
        self._thread.join()
        if self._executor is not None:
            self._executor.close()
            self._executor = None
