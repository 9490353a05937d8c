"""State shared by the commands of one invocation, and how it reacts to being told to stop."""

from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import dataclass
from types import FrameType, TracebackType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# A KeyboardInterrupt raised while C code runs (an extension module being imported, say) can be
# lost there; until the stop is handled, it is raised again this often.
RETRY_SECONDS = 0.25
# Signals during the recording of a cancelled run that quit at once, without the record.
FORCE_AFTER = 3


class Stopped(Exception):  # noqa: N818 - not an error: a stop asked for by a signal
    """An interrupt carried past Typer to the entry point, with its signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@dataclass
class State:
    """Global options of one ``meta-agent`` invocation."""

    debug: bool = False


class StopSignals:
    """SIGINT (Ctrl-C) and SIGTERM raise ``errors.Interrupted`` in the main thread.

    The first signal stops what is running: the pipeline then stops the sandbox and records the
    run as cancelled, and the command reports it (``handled``). Signals that arrive while an
    interrupt is being handled are acknowledged, so the record is not cut short, until the
    FORCE_AFTER-th, which quits at once. The previous handlers come back on exit.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._presses = 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        self.received, self._presses = None, 0
        if threading.current_thread() is threading.main_thread():
            for signum in (*STOP_SIGNALS, signal.SIGALRM):
                self._previous[signum] = signal.getsignal(signum)
            for signum in STOP_SIGNALS:
                signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.handled()
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def handled(self) -> None:
        """The stop has reached the command that reports it: no more retries."""
        if self._previous:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        from meta_agent.errors import Interrupted

        if self.received is None:
            self.received = signum
            signal.signal(signal.SIGALRM, self._retry)
            signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS, RETRY_SECONDS)
            raise Interrupted(signum)
        if not _stopping():
            raise Interrupted(self.received)  # the first one was lost on the way
        self._presses += 1
        if self._presses + 1 >= FORCE_AFTER:
            sys.stderr.write("\nQuitting without saving the run's record.\n")
            os._exit(128 + signum)
        sys.stderr.write("\nStopping: saving the run's record (once more to quit at once).\n")

    def _retry(self, signum: int, frame: FrameType | None) -> None:
        from meta_agent.errors import Interrupted

        if self.received is not None and not _stopping():
            raise Interrupted(self.received)


def _stopping() -> bool:
    """Whether an interrupt is being handled right now (the run being recorded, say)."""
    return isinstance(sys.exc_info()[1], KeyboardInterrupt)


stop_signals = StopSignals()
