"""``meta-agent runs``: the run history, one run in detail, and statistics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from meta_agent.cli.run_commands import ServiceOption, TokenOption

if TYPE_CHECKING:
    from meta_agent.archive.history import RunHistory

app = typer.Typer(help="List past runs, show one, or summarise them.", invoke_without_command=True)

RunsDirOption = Annotated[Path | None, typer.Option("--runs-dir", help="Folder for run folders.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON, for programs.")]


def _history(runs_dir: Path | None) -> RunHistory:
    from meta_agent.archive.history import RunHistory
    from meta_agent.config import load_settings

    settings = load_settings(runs_dir=runs_dir)
    return RunHistory(settings.resolved_runs_dir, settings.history_url)


@app.callback()
def list_runs(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="How many recent runs to list.")] = 20,
    runs_dir: RunsDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List recent runs: time, request, status, duration."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = {"runs_dir": runs_dir}
        return
    with _history(runs_dir) as history:
        records = history.list(limit)
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in records], indent=2))
        return
    from meta_agent.cli.render import console, runs_table

    console().print(runs_table(records))


@app.command("show")
def show(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="Run id or a unique prefix.")],
    runs_dir: RunsDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one run: its manifest, files, results, and who approved it."""
    from meta_agent.archive.run_folder import RunFolder

    folder_dir = runs_dir or (ctx.obj or {}).get("runs_dir")
    with _history(folder_dir) as history:
        record = history.get(run_id)
        decisions = history.decisions(record.run_id)
    manifest = RunFolder(Path(record.run_dir)).read_json("manifest.json") or {}
    if as_json:
        shown = {"run": record.__dict__, "manifest": manifest, "decisions": decisions}
        typer.echo(json.dumps(shown, indent=2, default=str))
        return
    from meta_agent.cli.render import console, run_detail

    run_detail(console(), record, manifest, decisions)


@app.command("stats")
def stats(
    ctx: typer.Context,
    runs_dir: RunsDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Success rate, median and 95th-percentile duration, failures by cause, tool usage, planners
    and LLM use (calls, tokens, cost)."""
    folder_dir = runs_dir or (ctx.obj or {}).get("runs_dir")
    with _history(folder_dir) as history:
        summary = history.stats()
    if as_json:
        typer.echo(json.dumps(summary.__dict__, indent=2))
        return
    from meta_agent.cli.render import console, stats_view

    stats_view(console(), summary)


@app.command("watch")
def watch(
    run_id: Annotated[str, typer.Argument(help="The id `ask --detach` printed.")],
    service: ServiceOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Follow a run on the service: its log as it is written, then its outcome."""
    from meta_agent.cli.service import watch_run

    watch_run(run_id, service, token, as_json)
