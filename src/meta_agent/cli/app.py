"""The Typer app of ``meta-agent``: every command and option; main.py decides when it is needed."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from meta_agent.cli import db as db_commands
from meta_agent.cli import runs as runs_commands
from meta_agent.cli import service as service_commands
from meta_agent.cli import tools as tools_commands
from meta_agent.cli.context import State, Stopped, stop_signals
from meta_agent.cli.run_commands import register as register_run_commands
from meta_agent.cli.simulate import simulate as simulate_command
from meta_agent.cli.simulate import worker as worker_command


class _Commands(TyperGroup):
    """The command group, letting a Ctrl-C or SIGTERM reach ``main.run`` with its signal (Typer
    would turn it into a silent exit 130)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as stop:
            stop_signals.handled()
            raise Stopped(getattr(stop, "signum", 2)) from None


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
app.command("simulate", short_help="Run scenarios, grids or Monte Carlo; compare them.")(
    simulate_command
)
app.command("worker", short_help="Run scenarios for `simulate --executor celery`.")(worker_command)
app.add_typer(service_commands.token_app, name="token")
app.command("serve", short_help="Serve the HTTP API and the web page.")(service_commands.serve)
app.command("mcp", short_help="Serve Meta-Agent to an assistant over MCP (stdio).")(
    service_commands.mcp
)


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


@app.command(short_help="The settings in force and where each came from.")
def config(
    database: Annotated[str | None, typer.Option(help="Database URL (overrides settings).")] = None,
    runs_dir: Annotated[str | None, typer.Option(help="Runs folder (overrides settings).")] = None,
) -> None:
    """Show the settings in force and where each value came from (secrets masked)."""
    from meta_agent.cli.render import console, settings_table
    from meta_agent.config import describe_settings, load_settings
    from meta_agent.runtime.executor import sandbox_report

    overrides = {"database_url": database, "runs_dir": runs_dir}
    settings = load_settings(**overrides)
    rows = describe_settings(settings, overrides)
    rows += [(f"({what})", value, "detected") for what, value in sandbox_report(settings.sandbox)]
    console().print(settings_table(rows))
