"""``ask``, ``exec``, ``validate``, ``rerun`` and ``archive``: the commands that make runs.

Typer parses; the work is in running.py, which the start-up fast path (fastpath.py) calls too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

DatabaseOption = Annotated[str | None, typer.Option("--database", help="Portfolio database URL.")]
RunsDirOption = Annotated[Path | None, typer.Option("--runs-dir", help="Folder for run folders.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Run without asking for approval.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")]
SandboxOption = Annotated[
    str | None, typer.Option("--sandbox", help="auto, bwrap, docker or process.")
]
TimeoutOption = Annotated[
    float | None, typer.Option("--timeout", help="Wall-clock limit for the script, in seconds.")
]


def register(app: typer.Typer) -> None:
    """Add the run commands to the main app."""
    app.command("ask")(ask)
    app.command("exec")(exec_)
    app.command("validate")(validate)
    app.command("rerun")(rerun)
    app.command("archive")(archive)


def _confirm() -> bool:
    return typer.confirm("Run this script?", default=False)


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
) -> None:
    """Analyse a request, plan it, generate and validate a script, run it, archive everything."""
    from meta_agent.cli import running

    options = running.RunOptions(yes, as_json, database, runs_dir, sandbox, timeout)
    _exit(running.ask(request, options, dry_run=dry_run, confirm=_confirm))


def exec_(
    file: Annotated[Path, typer.Argument(help="A Python script to validate and run.")],
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

    options = running.RunOptions(yes, as_json, database, runs_dir, sandbox, timeout)
    _exit(running.exec_script(file, options, validate=not no_validate, confirm=_confirm))


def validate(
    file: Annotated[Path, typer.Argument(help="A Python script to check.")],
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
    findings = ScriptValidator(default_registry()).validate(source)
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
        as_json=as_json, database=database, runs_dir=runs_dir, sandbox=sandbox
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
