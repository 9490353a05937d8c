"""State shared by the commands of one invocation, and how it reacts to being told to stop."""

from __future__ import annotations

import signal
import sys
import threading
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class State:
    """Global options of one ``meta-agent`` invocation."""

    debug: bool = False


class StopSignals:
    """SIGINT (Ctrl-C) and SIGTERM raise ``errors.Interrupted`` in the main thread, once.

    The first signal stops what is running (the pipeline then stops the sandbox and records the
    run as cancelled); a second one while that record is being written is only acknowledged, so
    the record is not cut short; a third quits at once. The previous handlers come back on exit.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._count = 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        self.received, self._count = None, 0
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        from meta_agent.errors import Interrupted

        self._count += 1
        if self.received is None:
            self.received = signum
        if self._count == 2:
            sys.stderr.write("Stopping: saving the run's record (send it once more to quit now).\n")
            return
        raise Interrupted(signum)


stop_signals = StopSignals()
