"""``ask``, ``exec``, ``validate``, ``rerun`` and ``archive``: the commands that make runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from meta_agent.pipeline import Pipeline, Prepared, RunOutcome

DatabaseOption = Annotated[str | None, typer.Option("--database", help="Portfolio database URL.")]
RunsDirOption = Annotated[Path | None, typer.Option("--runs-dir", help="Folder for run folders.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Run without asking for approval.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")]
SandboxOption = Annotated[
    str | None, typer.Option("--sandbox", help="auto, bwrap, docker or process.")
]
ServiceOption = Annotated[
    str | None,
    typer.Option("--service", envvar="META_AGENT_SERVICE_URL", help="URL of `meta-agent serve`."),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="META_AGENT_SERVICE_TOKEN", help="Your service token."),
]
TimeoutOption = Annotated[
    float | None, typer.Option("--timeout", help="Wall-clock limit for the script, in seconds.")
]


def ScriptArgument(help: str) -> Any:  # noqa: N802 - reads as the option types above
    """A script file argument; a missing one is a usage error (exit 2) before anything starts."""
    return typer.Argument(help=help, exists=True, dir_okay=False, readable=True)


# A run's exit code by its status; any other status (failed, error, a limit) exits 1, a
# configuration error behind a failure 2, and a cancelled run 128 + the signal (130, 143).
EXIT_FOR_STATUS = {"succeeded": 0, "rejected": 3}


def register(app: typer.Typer) -> None:
    """Add the run commands to the main app."""
    app.command("ask")(ask)
    app.command("exec")(exec_)
    app.command("validate")(validate)
    app.command("rerun")(rerun)
    app.command("archive")(archive)


def _pipeline(
    database: str | None,
    runs_dir: Path | None,
    sandbox: str | None = None,
    timeout: float | None = None,
    prewarm: bool = False,
) -> Pipeline:
    from meta_agent.config import load_settings
    from meta_agent.pipeline import Pipeline

    settings = load_settings(
        database_url=database, runs_dir=runs_dir, sandbox=sandbox, timeout_seconds=timeout
    )
    return Pipeline(settings, prewarm=prewarm)


def _require_terminal(yes: bool) -> None:
    from meta_agent.errors import ConfigError

    if not yes and not sys.stdin.isatty():
        raise ConfigError(
            "There is no terminal to ask for approval: pass --yes to run without asking."
        )


def ask(
    request: Annotated[str, typer.Argument(help="What you want, in plain English.")],
    yes: YesOption = False,
    as_json: JsonOption = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Plan, generate, validate only.")
    ] = False,
    database: DatabaseOption = None,
    runs_dir: RunsDirOption = None,
    sandbox: SandboxOption = None,
    timeout: TimeoutOption = None,
    detach: Annotated[
        bool, typer.Option("--detach", help="Queue it on the service; `runs watch ID` follows it.")
    ] = False,
    service: ServiceOption = None,
    token: TokenOption = None,
) -> None:
    """Analyse a request, plan it, generate and validate a script, run it, archive everything."""
    from meta_agent.cli import render

    if detach:
        from meta_agent.cli.service import detach_request

        detach_request(request, service, token, as_json)
        return
    if not dry_run:
        _require_terminal(yes)
    pipeline = _pipeline(database, runs_dir, sandbox, timeout, prewarm=not dry_run)
    console = render.console(stderr=as_json)

    def approve(prepared: Prepared) -> bool:
        render.show_prepared(console, prepared)
        return _confirm("Run this script?")

    with (
        _reporting_cancel(as_json, console),
        render.live_run(console, quiet=as_json) as (on_log, on_tick),
    ):
        outcome = pipeline.ask(
            request,
            approve=None if yes or dry_run else approve,
            on_log=on_log,
            on_tick=on_tick,
            dry_run=dry_run,
        )
    _finish(outcome, as_json, console, show_script=dry_run)


def exec_(
    file: Annotated[Path, ScriptArgument("A Python script to validate and run.")],
    yes: YesOption = False,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
    runs_dir: RunsDirOption = None,
    sandbox: SandboxOption = None,
    timeout: TimeoutOption = None,
    no_validate: Annotated[
        bool,
        typer.Option(
            "--no-validate", help="DANGEROUS: skip validation; only the sandbox protects."
        ),
    ] = False,
) -> None:
    """Validate and run a script you wrote or edited, in its own run folder."""
    from meta_agent.cli import render

    _require_terminal(yes)
    pipeline = _pipeline(database, runs_dir, sandbox, timeout)
    console = render.console(stderr=as_json)
    if no_validate:
        render.warn(
            console, "Validation is OFF: the script runs unchecked, contained only by the sandbox."
        )

    def approve(source: str) -> bool:
        render.show_script(console, source)
        return _confirm("Run this script?")

    with (
        _reporting_cancel(as_json, console),
        render.live_run(console, quiet=as_json) as (on_log, on_tick),
    ):
        outcome = pipeline.exec_script(
            file,
            approve=None if yes else approve,
            validate=not no_validate,
            on_log=on_log,
            on_tick=on_tick,
        )
    _finish(outcome, as_json, console)


def validate(
    file: Annotated[Path, ScriptArgument("A Python script to check.")],
    as_json: JsonOption = False,
) -> None:
    """Check a script against the validation policy; list every finding with its line."""
    from meta_agent.cli import render
    from meta_agent.errors import ExecutionError
    from meta_agent.scripts.validate import ScriptValidator
    from meta_agent.tool_library.tool_registry import default_registry

    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExecutionError(f"Cannot read script {file}: {exc}") from exc
    from meta_agent.config import load_settings

    registry = default_registry(load_plugins=load_settings().load_plugins)
    findings = ScriptValidator(registry).validate(source)
    if as_json:
        typer.echo(json.dumps({"valid": not findings, "findings": [f.__dict__ for f in findings]}))
    else:
        render.show_findings(render.console(), file, findings)
    raise typer.Exit(0 if not findings else 3)


def rerun(
    run_id: Annotated[str, typer.Argument(help="The run to re-execute (id or unique prefix).")],
    as_json: JsonOption = False,
    runs_dir: RunsDirOption = None,
    database: DatabaseOption = None,
    sandbox: SandboxOption = None,
) -> None:
    """Re-execute an archived run's script and report whether the results are identical."""
    from meta_agent.cli import render

    pipeline = _pipeline(database, runs_dir, sandbox)
    console = render.console(stderr=as_json)
    with (
        _reporting_cancel(as_json, console),
        render.live_run(console, quiet=as_json) as (on_log, on_tick),
    ):
        outcome = pipeline.rerun(run_id, on_log=on_log, on_tick=on_tick)
    _finish(outcome, as_json, console)


def archive(
    run_id: Annotated[str, typer.Argument(help="The run to pack (id or unique prefix).")],
    output: Annotated[Path | None, typer.Option(help="Where to write the .tar.gz.")] = None,
    runs_dir: RunsDirOption = None,
) -> None:
    """Pack a run folder into a .tar.gz."""
    from meta_agent.cli import render

    path = _pipeline(None, runs_dir).archive(run_id, output)
    render.console().print(f"Archived to {path}")


def _confirm(question: str) -> bool:
    """Ask; Ctrl-C (or SIGTERM) at the prompt cancels the run, Ctrl-D declines it."""
    from meta_agent.cli.context import stop_signals
    from meta_agent.errors import Interrupted

    try:
        return typer.confirm(question, default=False)
    except typer.Abort:
        typer.echo("", err=True)  # off the prompt's line
        if stop_signals.received is None:
            return False
        raise Interrupted(stop_signals.received) from None


@contextmanager
def _reporting_cancel(as_json: bool, console: Any) -> Iterator[None]:
    """A run cancelled by a signal is reported like any other run, exiting 128 + the signal."""
    from meta_agent.errors import Interrupted

    try:
        yield
    except Interrupted as stop:
        if stop.outcome is None:
            raise  # nothing had started: the entry point says so in one line
        from meta_agent.cli.context import stop_signals

        stop_signals.handled()
        _finish(stop.outcome, as_json, console, code=stop.exit_code)


def exit_code(outcome: RunOutcome) -> int:
    """The exit code of a finished run (see the README's table)."""
    if outcome.status in EXIT_FOR_STATUS:
        return EXIT_FOR_STATUS[outcome.status]
    return outcome.error_exit_code or 1


def _finish(
    outcome: RunOutcome,
    as_json: bool,
    console: Any,
    show_script: bool = False,
    code: int | None = None,
) -> None:
    from meta_agent.cli import render

    if as_json:
        typer.echo(json.dumps(outcome.to_json(), default=str))
    else:
        if show_script and outcome.script is not None:
            render.show_script(console, outcome.script.read_text(encoding="utf-8"))
        render.show_outcome(console, outcome)
    code = exit_code(outcome) if code is None else code
    if code:
        raise typer.Exit(code)
