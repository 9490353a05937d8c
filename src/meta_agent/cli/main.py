"""The ``meta-agent`` command: a thin Typer app over the library; errors are handled once, here."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from meta_agent.cli import db as db_commands
from meta_agent.cli import runs as runs_commands
from meta_agent.cli import tools as tools_commands
from meta_agent.cli.context import State, stop_signals
from meta_agent.cli.run_commands import register as register_run_commands
from meta_agent.cli.simulate import simulate as simulate_command
from meta_agent.cli.simulate import worker as worker_command


class _Stopped(Exception):  # noqa: N818 - not an error: a stop asked for by a signal
    """An interrupt carried past Typer, which would turn it into a silent exit 130."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Commands(TyperGroup):
    """The command group, letting a Ctrl-C or SIGTERM reach ``run`` with its signal."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as stop:
            stop_signals.handled()
            raise _Stopped(getattr(stop, "signum", 2)) from None


app = typer.Typer(
    name="meta-agent",
    cls=_Commands,
    help="Turn plain-English portfolio requests into validated, sandboxed, archived analyses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(tools_commands.app, name="tools")
app.add_typer(runs_commands.app, name="runs")
register_run_commands(app)
app.command("simulate")(simulate_command)
app.command("worker")(worker_command)


def _version(value: bool) -> None:
    if value:
        from meta_agent import __version__

        typer.echo(f"meta-agent {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Turn plain-English portfolio requests into validated, sandboxed, archived analyses."""
    ctx.obj = State(debug=debug)
    if debug:
        from meta_agent.logs import configure_logging

        configure_logging(debug=True)


@app.command()
def config(
    database: Annotated[str | None, typer.Option(help="Database URL (overrides settings).")] = None,
    runs_dir: Annotated[str | None, typer.Option(help="Runs folder (overrides settings).")] = None,
) -> None:
    """Show the settings in force and where each value came from (secrets masked)."""
    from meta_agent.cli.render import console, settings_table
    from meta_agent.config import describe_settings, load_settings

    overrides = {"database_url": database, "runs_dir": runs_dir}
    settings = load_settings(**overrides)
    from meta_agent.runtime.executor import sandbox_report

    rows = describe_settings(settings, overrides)
    rows += [(f"({what})", value, "detected") for what, value in sandbox_report(settings.sandbox)]
    console().print(settings_table(rows))


# Listing the tools is what programs and people run most often; answering it before Typer
# parses anything saves the ~0.2 s its parameter machinery costs to import (it loads pydantic).
FAST_PATHS = {("tools",): False, ("tools", "--json"): True}


# Exit codes beyond a run's status (run_commands.EXIT_FOR_STATUS): the README's table.
EXIT_INTERNAL_ERROR = 70  # a bug in Meta-Agent (sysexits' EX_SOFTWARE), not a run that failed
EXIT_SIGINT = 128 + 2  # Ctrl-C, as shells report it; SIGTERM gives 128 + 15 = 143


def run() -> None:
    """Console-script entry point: one place turns our errors into a message and an exit code."""
    debug = "--debug" in sys.argv
    fast = FAST_PATHS.get(tuple(sys.argv[1:]))
    try:
        with stop_signals:
            if fast is not None:
                tools_commands.print_listing(as_json=fast)
                sys.exit(0)
            # Without standalone mode an Exit comes back as the return value.
            returned = app(standalone_mode=False)
        sys.exit(returned if isinstance(returned, int) else 0)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except _Stopped as stopped:
        stop_signals.handled()
        sys.exit(cancelled(stopped.signum))
    except typer.Abort:
        # Click's prompts turn Ctrl-C and Ctrl-D into Abort; nothing had started.
        stop_signals.handled()
        sys.exit(cancelled(stop_signals.received or EXIT_SIGINT - 128))
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
        _json_outcome("rejected", format_message() if callable(format_message) else str(error))
        return code
    if debug:
        import traceback

        traceback.print_exception(error)
    if isinstance(error, MetaAgentError):
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
