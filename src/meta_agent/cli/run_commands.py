"""``ask``, ``exec``, ``validate``, ``rerun`` and ``archive``: the commands that make runs.

Typer parses; the work is in running.py, which the start-up fast path (fastpath.py) calls too.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

DatabaseOption = Annotated[str | None, typer.Option("--database", help="Portfolio database URL.")]
RunsDirOption = Annotated[Path | None, typer.Option("--runs-dir", help="Folder for run folders.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Run without asking for approval.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")]


class Sandbox(StrEnum):
    """The sandbox backends a run may name."""

    auto = "auto"
    bwrap = "bwrap"
    docker = "docker"
    process = "process"


SandboxOption = Annotated[
    Sandbox | None,
    typer.Option(
        "--sandbox",
        help="Where scripts run: auto (bwrap, else docker; never process unless named), bwrap, "
        "docker, or process (weak isolation, named only).",
    ),
]
ServiceOption = Annotated[
    str | None,
    typer.Option("--service", envvar="META_AGENT_SERVICE_URL", help="URL of `meta-agent serve`."),
]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", envvar="META_AGENT_SERVICE_TOKEN", help="Your service token."),
]


class PlannerChoice(StrEnum):
    """Who plans a request (META_AGENT_PLANNER)."""

    offline = "offline"
    llm = "llm"
    auto = "auto"


PlannerOption = Annotated[
    PlannerChoice | None,
    typer.Option(
        "--planner",
        help="Who plans the request: offline (built-in), llm (the configured model), or auto "
        "(the model when configured, offline otherwise or when it fails). Default: "
        "META_AGENT_PLANNER.",
    ),
]
TimeoutOption = Annotated[
    float | None, typer.Option("--timeout", help="Wall-clock limit for the script, in seconds.")
]


def ScriptArgument(help: str) -> Any:  # noqa: N802 - reads as the option types above
    """A script file argument; a missing one is a usage error (exit 2) before anything starts."""
    return typer.Argument(help=help, exists=True, dir_okay=False, readable=True)


ASK_EPILOG = """\b
Examples:
  meta-agent ask "Calculate DSCR for all properties and flag at-risk assets"
  meta-agent ask "dscr by asset, worst first" --yes
  meta-agent ask "stress test: NOI down 15% and 25%" --yes --json
  meta-agent ask "Compare Orlando Fashion Square to 3 peers, export to Excel"
  meta-agent ask "what happens to DSCR if rates go up 150bps" --dry-run
  meta-agent ask "NOI per square foot for office properties" --planner llm

\b
The request is restated in plain words before anything runs; approve with y
(or --yes). Results go to RUNS_DIR/<timestamp>-<slug>/results/ (CSV, Excel,
PDF, PNG, results.json), beside request.txt, analysis.json, plan.json,
script.py, logs/run.log and manifest.json. `meta-agent config` shows RUNS_DIR;
`meta-agent runs show ID` shows one run.

\b
Exit codes:
  0        succeeded
  3        rejected: refused before anything ran, or not approved
  1        failed, error, or a limit (timeout, cpu_limit, memory_limit, ...)
  2        usage or configuration error (a database that cannot be used too)
  130/143  cancelled by Ctrl-C / SIGTERM
  70       internal error (please report it)
"""


def register(app: typer.Typer) -> None:
    """Add the run commands to the main app."""
    app.command(
        "ask", short_help="Answer a plain-English request: plan, validate, run.", epilog=ASK_EPILOG
    )(ask)
    app.command("exec", short_help="Validate and run a script you wrote or edited.")(exec_)
    app.command("validate", short_help="Check a script against the policy, finding by line.")(
        validate
    )
    app.command("rerun", short_help="Re-run an archived run; are the results identical?")(rerun)
    app.command("archive", short_help="Pack a run folder into a .tar.gz.")(archive)


def _sandbox(value: Sandbox | None) -> str | None:
    return None if value is None else value.value


def _confirm() -> bool:
    """Ask; Ctrl-C (or SIGTERM) at the prompt cancels the run, Ctrl-D declines it."""
    from meta_agent.cli.context import stop_signals
    from meta_agent.errors import Interrupted

    try:
        return typer.confirm("Run this script?", default=False)
    except typer.Abort:
        typer.echo("", err=True)  # off the prompt's line
        if stop_signals.received is None:
            return False
        raise Interrupted(stop_signals.received) from None


def _exit(code: int) -> None:
    if code:
        raise typer.Exit(code)


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
    planner: PlannerOption = None,
) -> None:
    """Analyse a request, plan it, generate and validate a script, run it, archive everything."""
    from meta_agent.cli import running

    if detach:
        from meta_agent.cli.service import detach_request

        detach_request(request, service, token, as_json)
        return

    options = running.RunOptions(
        yes,
        as_json,
        database,
        runs_dir,
        _sandbox(sandbox),
        timeout,
        planner.value if planner is not None else None,
    )
    _exit(running.ask(request, options, dry_run=dry_run, confirm=_confirm))


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
    from meta_agent.cli import running

    options = running.RunOptions(yes, as_json, database, runs_dir, _sandbox(sandbox), timeout)
    _exit(running.exec_script(file, options, validate=not no_validate, confirm=_confirm))


def validate(
    file: Annotated[Path, ScriptArgument("A Python script to check.")],
    as_json: JsonOption = False,
) -> None:
    """Check a script against the validation policy; list every finding with its line."""
    from meta_agent.cli import render
    from meta_agent.config import load_settings
    from meta_agent.errors import ExecutionError
    from meta_agent.scripting.validate import ScriptValidator, decode_script
    from meta_agent.tool_library.tool_registry import default_registry

    try:
        # Decoded as `exec` decodes it, so both judge the same text.
        source = decode_script(file.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        raise ExecutionError(f"Cannot read script {file}: {exc}") from exc
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
    from meta_agent.cli import running

    options = running.RunOptions(
        as_json=as_json, database=database, runs_dir=runs_dir, sandbox=_sandbox(sandbox)
    )
    _exit(running.rerun(run_id, options))


def archive(
    run_id: Annotated[str, typer.Argument(help="The run to pack (id or unique prefix).")],
    output: Annotated[Path | None, typer.Option(help="Where to write the .tar.gz.")] = None,
    runs_dir: RunsDirOption = None,
) -> None:
    """Pack a run folder into a .tar.gz."""
    from meta_agent.cli import render
    from meta_agent.cli.running import RunOptions, make_pipeline

    path = make_pipeline(RunOptions(runs_dir=runs_dir)).archive(run_id, output)
    render.console().print(f"Archived to {path}")
