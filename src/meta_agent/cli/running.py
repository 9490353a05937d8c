"""What ``ask``, ``exec`` and ``rerun`` do once their arguments are parsed; no Typer here.

The Typer commands (run_commands.py) and the start-up fast path (fastpath.py) both call these
functions, so a command behaves the same whichever way it was parsed. Rich is imported only
when something is shown to a person: with --json and --yes, nothing but the JSON is printed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rich.console import Console

    from meta_agent.config import Settings
    from meta_agent.pipeline import LogSink, Pipeline, RunOutcome, TickSink
    from meta_agent.runtime.early import EarlyExecutor

# A run's exit code by its status; any other status (failed, error, a limit) exits 1, a
# configuration error behind a failure 2, and a cancelled run 128 + the signal (130, 143).
EXIT_FOR_STATUS = {"succeeded": 0, "rejected": 3}

Confirm = Callable[[], bool]  # asks "Run this script?"; the Typer commands pass typer.confirm


@dataclass(frozen=True)
class RunOptions:
    """The options every run command shares."""

    yes: bool = False
    as_json: bool = False
    database: str | None = None
    runs_dir: Path | None = None
    sandbox: str | None = None
    timeout: float | None = None
    planner: str | None = None  # ask --planner: offline | llm | auto (Settings.planner)


def run_settings(options: RunOptions) -> Settings:
    """The settings in force, the command-line options on top."""
    from meta_agent.config import load_settings

    return load_settings(
        database_url=options.database,
        runs_dir=options.runs_dir,
        sandbox=options.sandbox,
        timeout_seconds=options.timeout,
        planner=options.planner,
    )


def make_pipeline(
    options: RunOptions, settings: Settings | None = None, decides: bool = False
) -> Pipeline:
    """A pipeline on the settings in force, the command-line options on top.

    ``decides``: the person at this terminal (the OS user) approves its runs, on the record.
    """
    from meta_agent.pipeline import Pipeline

    decided_by = None
    if decides:
        from meta_agent.archive.decisions import local_user

        decided_by = local_user()
    return Pipeline(settings or run_settings(options), decided_by=decided_by)


def warm_up_cgroups(settings: Settings) -> None:
    """Where runs go in a bwrap sandbox with its cgroup: the kernel's first cgroup move after a
    quiet moment waits ~10 ms, so it is made to wait now, while the runtime is imported."""
    if settings.sandbox in ("bwrap", "auto"):
        from meta_agent.runtime.cgroup import warm_up

        warm_up()


def start_early(file: Path, settings: Settings) -> EarlyExecutor | None:
    """The sandbox for this script, started before the pipeline is imported (None: the script
    cannot be read, which the pipeline then reports)."""
    from meta_agent.runtime.launch import early_executor
    from meta_agent.runtime.pool import preload_for
    from meta_agent.scripting.source import decode_script

    try:
        source = decode_script(file.read_bytes())
    except (OSError, UnicodeDecodeError):
        return None
    return early_executor(settings, preload_for(source))


def start_warm(settings: Settings) -> EarlyExecutor | None:
    """A sandbox importing the data stack, started before the pipeline is imported, for the
    script a request will become (None: no portfolio to mount, which planning then reports)."""
    from meta_agent.errors import MetaAgentError
    from meta_agent.portfolio.provision import ensure_default_portfolio
    from meta_agent.runtime.launch import early_executor

    try:
        ensure_default_portfolio(settings)
    except (MetaAgentError, OSError):
        return None
    return early_executor(settings)


def require_terminal(yes: bool) -> None:
    """Without --yes, someone must be there to approve the script."""
    from meta_agent.errors import ConfigError

    if not yes and not sys.stdin.isatty():
        raise ConfigError(
            "There is no terminal to ask for approval: pass --yes to run without asking."
        )


def console(options: RunOptions) -> Console:
    """Where people read: stdout, or stderr when stdout is reserved for the JSON."""
    from meta_agent.cli import render

    return render.console(stderr=options.as_json)


def ask(
    request: str, options: RunOptions, *, dry_run: bool = False, confirm: Confirm | None = None
) -> int:
    """Analyse, plan, generate, validate, run and archive one request; returns the exit code."""
    if not dry_run:
        require_terminal(options.yes)
    settings = run_settings(options)
    if not dry_run:
        warm_up_cgroups(settings)
    # Its sandbox boots (pandas and all) while the pipeline is imported and the request planned.
    early = None if dry_run else start_warm(settings)
    try:
        pipeline = make_pipeline(options, settings=settings, decides=not dry_run)
        approve = None if dry_run else approver(options, confirm, "show_prepared")
        return conduct(
            options,
            lambda on_log, on_tick: pipeline.ask(
                request, approve, on_log, on_tick, dry_run=dry_run, early=early
            ),
            show_script=dry_run,
        )
    finally:
        if early is not None:
            early.close()


def exec_script(
    file: Path, options: RunOptions, *, validate: bool = True, confirm: Confirm | None = None
) -> int:
    """Validate and run a script a person wrote, in a run folder; returns the exit code."""
    if not file.is_file():  # a usage error (exit 2), however the command line was parsed
        from meta_agent.errors import ConfigError

        raise ConfigError(f"The script {file} does not exist (or is not a file).")
    require_terminal(options.yes)
    settings = run_settings(options)
    warm_up_cgroups(settings)
    # Its sandbox boots while the pipeline is imported and the script validated.
    early = start_early(file, settings)
    try:
        pipeline = make_pipeline(options, settings=settings, decides=True)
        if not validate:
            from meta_agent.cli import render

            render.warn(
                console(options),
                "Validation is OFF: the script runs unchecked, contained only by the sandbox.",
            )
        approve = approver(options, confirm, "show_script")
        return conduct(
            options,
            lambda on_log, on_tick: pipeline.exec_script(
                file, approve, validate, on_log, on_tick, early=early
            ),
        )
    finally:
        if early is not None:
            early.close()


def approver(
    options: RunOptions, confirm: Confirm | None, show: Literal["show_prepared", "show_script"]
) -> Callable[[Any], bool] | None:
    """None with --yes; else what shows a person the plan or script (``render.<show>``) and asks."""
    if options.yes:
        return None

    def approve(shown: Any) -> bool:
        from meta_agent.cli import render

        getattr(render, show)(console(options), shown)
        return confirm() if confirm is not None else False

    return approve


def rerun(run_id: str, options: RunOptions) -> int:
    """Re-execute an archived run's script; returns the exit code."""
    pipeline = make_pipeline(options)
    return conduct(
        options, lambda on_log, on_tick: pipeline.rerun(run_id, on_log=on_log, on_tick=on_tick)
    )


def conduct(
    options: RunOptions,
    run: Callable[[LogSink | None, TickSink | None], RunOutcome],
    show_script: bool = False,
) -> int:
    """Run with the live log (none for --json), report the outcome, return the exit code; a run
    cancelled by a signal is reported like any other."""
    with reporting_cancel(options) as cancelled, live(options) as (on_log, on_tick):
        outcome = run(on_log, on_tick)
    if cancelled:
        return cancelled[0]
    return finish(outcome, options, show_script=show_script)


@contextmanager
def reporting_cancel(options: RunOptions) -> Iterator[list[int]]:
    """A run cancelled by a signal is reported like any other run, exiting 128 + the signal;
    the exit code lands in the yielded list. A stop before any run started goes on up to the
    entry point, which says so in one line."""
    from meta_agent.errors import Interrupted

    cancelled: list[int] = []
    try:
        yield cancelled
    except Interrupted as stop:
        if stop.outcome is None:
            raise
        from meta_agent.cli.context import stop_signals

        stop_signals.handled()
        cancelled.append(finish(stop.outcome, options, code=stop.exit_code))


@contextmanager
def live(options: RunOptions) -> Iterator[tuple[LogSink | None, TickSink | None]]:
    """The live log and elapsed time for a person; nothing at all for --json."""
    if options.as_json:
        yield None, None
        return
    from meta_agent.cli import render

    with render.live_run(console(options)) as callbacks:
        yield callbacks


def finish(
    outcome: RunOutcome, options: RunOptions, show_script: bool = False, code: int | None = None
) -> int:
    """Print the outcome (one JSON object, or a summary for people); return the exit code."""
    if options.as_json:
        sys.stdout.write(json.dumps(outcome.to_json(), default=str) + "\n")
        sys.stdout.flush()
    else:
        from meta_agent.cli import render

        out = console(options)
        if show_script and outcome.script is not None:
            render.show_script(out, outcome.script.read_text(encoding="utf-8"))
        render.show_outcome(out, outcome)
    return exit_code(outcome) if code is None else code


def exit_code(outcome: RunOutcome) -> int:
    """The exit code of a finished run (the README's table): 0 succeeded, 3 rejected, 2 a
    configuration error behind a failure, 1 any other status."""
    if outcome.status in EXIT_FOR_STATUS:
        return EXIT_FOR_STATUS[outcome.status]
    return outcome.error_exit_code or 1
