"""How the command line turns SIGINT and SIGTERM into a stop that is not lost and not cut short."""

from __future__ import annotations

import os
import signal
import time

import pytest

from meta_agent.cli.context import RETRY_SECONDS, StopSignals
from meta_agent.errors import Interrupted


def wait(seconds: float) -> None:
    """Sleep in small steps, so a pending signal handler runs promptly."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_becomes_interrupted_with_its_exit_code(signum: int, code: int) -> None:
    before = signal.getsignal(signum)
    with pytest.raises(Interrupted) as raised, StopSignals():
        os.kill(os.getpid(), signum)
        wait(1)
    assert raised.value.signum == signum and raised.value.exit_code == code
    assert signal.getsignal(signum) is before  # the previous handler is back


def test_an_interrupt_lost_on_the_way_is_raised_again() -> None:
    """C code (an extension module's import) can swallow it; the retry timer raises it again."""
    with pytest.raises(Interrupted), StopSignals():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            wait(0.1)
        except Interrupted:
            pass  # swallowed, as some C code does
        wait(RETRY_SECONDS * 8)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_signals_while_the_run_is_recorded_are_acknowledged(
    capfd: pytest.CaptureFixture[str],
) -> None:
    recorded = False
    with pytest.raises(Interrupted), StopSignals():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            wait(1)
        except Interrupted:
            os.kill(os.getpid(), signal.SIGINT)  # a second Ctrl-C while the record is written
            wait(RETRY_SECONDS * 4)  # and the retry timer: neither cuts the record short
            recorded = True
            raise
    assert recorded
    assert "Stopping: saving the run's record" in capfd.readouterr().err
