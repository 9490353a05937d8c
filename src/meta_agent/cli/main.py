"""The ``meta-agent`` command's entry point: our errors become a message and an exit code, here.

The Typer app (app.py) costs ~0.2 s to import (Typer loads pydantic), as long as a whole run of a
short script should take, so the commands people wait on are answered without it: ``tools``, and
``ask``/``exec`` with --yes in their usual shapes (fastpath.py). Everything else goes to Typer.
"""

from __future__ import annotations

import sys
from typing import Any

# Listing the tools is what programs and people run most often.
FAST_PATHS = {("tools",): False, ("tools", "--json"): True}
# Exit codes beyond a run's status (running.EXIT_FOR_STATUS): the README's table.
EXIT_INTERNAL_ERROR = 70  # a bug in Meta-Agent (sysexits' EX_SOFTWARE), not a run that failed
EXIT_SIGINT = 128 + 2  # Ctrl-C, as shells report it; SIGTERM gives 128 + 15 = 143


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer app, built on first use
        from meta_agent.cli.app import app

        return app
    raise AttributeError(f"module 'meta_agent.cli.main' has no attribute {name!r}")


def main() -> None:
    """The ``meta-agent`` console script: ``run``, then out without tearing the interpreter down.

    By then every run is closed and written, and the exit handlers still run; the teardown of a
    few hundred modules (and their garbage) would only keep the person waiting, ~10-40 ms.
    """
    import gc

    # A command builds ~10^5 long-lived objects while importing; a young collection every 700
    # allocations only scans them again and again (~10% of an exec's CPU). Collections still
    # run, less often.
    gc.set_threshold(50_000)
    try:
        run()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if code is not None and not isinstance(code, int):
        sys.stderr.write(f"{code}\n")  # what the interpreter does with sys.exit("message")
        code = 1
    import atexit
    import os

    atexit._run_exitfuncs()  # e.g. logging's flush, the finalizers of anything still open
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 1  # like the interpreter: output that could not be written fails
    os._exit(int(code or 0) & 0xFF)


def run() -> None:
    """Run the command in sys.argv: one place turns our errors into a message and an exit code,
    and a Ctrl-C or SIGTERM into a cancelled run (or one line, when nothing had started)."""
    from meta_agent.cli.context import Stopped, stop_signals

    debug = "--debug" in sys.argv
    try:
        with stop_signals:
            code = dispatch(sys.argv[1:])
        sys.exit(code)
    except Stopped as stopped:
        stop_signals.handled()
        sys.exit(cancelled(stopped.signum))
    except KeyboardInterrupt as stop:
        stop_signals.handled()
        sys.exit(cancelled(getattr(stop, "signum", EXIT_SIGINT - 128)))
    except Exception as error:  # noqa: BLE001 - the single place errors become exit codes
        sys.exit(handle_error(error, debug))


def cancelled(signum: int) -> int:
    """One line (and, with --json, the one JSON object) for a stop before any run started."""
    from meta_agent.errors import Interrupted

    stop = Interrupted(signum)
    message = f"{stop} Nothing ran."
    _json_outcome("cancelled", message)
    # On a terminal the "^C" echo is still on the line.
    sys.stderr.write(("\n" if sys.stderr.isatty() else "") + message + "\n")
    return stop.exit_code


def dispatch(argv: list[str]) -> int:
    """Run the command in ``argv``, by a fast path when there is one; returns the exit code."""
    from meta_agent.cli.fastpath import fast_command

    listing = FAST_PATHS.get(tuple(argv))
    if listing is not None:
        from meta_agent.cli.tools import print_listing

        print_listing(as_json=listing)
        return 0
    command = fast_command(argv)
    if command is not None:
        return command()
    import typer

    from meta_agent.cli.app import app

    try:
        # Without standalone mode an Exit comes back as the return value.
        returned = app(args=argv, standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        # Click's prompts turn Ctrl-C and Ctrl-D into Abort; nothing had started.
        from meta_agent.cli.context import Stopped, stop_signals

        raise Stopped(stop_signals.received or EXIT_SIGINT - 128) from None
    return returned if isinstance(returned, int) else 0


def handle_error(error: BaseException, debug: bool) -> int:
    """Print one clear line for an error (a traceback only with --debug); return the exit code.

    With --json, stdout still carries exactly one JSON object, even when no run started.
    """
    from meta_agent.errors import MetaAgentError

    show = getattr(error, "show", None)
    code = getattr(error, "exit_code", None)
    if callable(show) and isinstance(code, int):
        show()  # Click's own usage errors (bad option, missing argument) print themselves
        format_message = getattr(error, "format_message", None)
        message = format_message() if callable(format_message) else str(error)
        _json_outcome("usage_error", message)
        return code
    if debug:
        import traceback

        traceback.print_exception(error)
    if isinstance(error, MetaAgentError):
        # Exit 2 is a usage or configuration error (the README's table), never a "rejected" run.
        if error.exit_code == 2:
            status = "usage_error"
        else:
            status = "rejected" if error.http_status in (400, 404, 409, 422) else "failed"
        _json_outcome(status, str(error))
        sys.stderr.write(f"Error: {error}\n")
        return error.exit_code
    message = (
        f"Internal error: {type(error).__name__}: {error}. "
        "Re-run with --debug for the traceback, and please report it."
    )
    _json_outcome("failed", message)
    sys.stderr.write(message + "\n")
    return EXIT_INTERNAL_ERROR


def _json_outcome(status: str, message: str) -> None:
    if "--json" in sys.argv:
        import json

        sys.stdout.write(json.dumps(_empty_outcome(status, message)) + "\n")


def _empty_outcome(status: str, message: str) -> dict[str, object]:
    return {
        "run_id": None,
        "status": status,
        "run_dir": None,
        "script": None,
        "artifacts": [],
        "summary": {},
        "error": message,
    }
