"""``ask`` and ``exec`` parsed without Typer, for the runs people wait on.

Typer takes ~0.2 s to import and to build a command's parameters (it loads pydantic); a whole run
of a short script should take less. This parser takes only the plain, common shapes: the
command, its one argument, --yes (a prompt needs Typer's), and the options in OPTIONS, each at
most once per name. Anything else (--help, a typo, a missing value, ``--``) returns None and the
Typer app parses it, so usage errors and help stay Typer's. A test checks that OPTIONS matches the
Typer commands' options.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

PLANNERS = ("offline", "llm", "auto")  # ask --planner; config.PLANNERS (not imported: start-up)
# command -> {option: (field, takes a value)}
OPTIONS: dict[str, dict[str, tuple[str, bool]]] = {
    "ask": {
        "--yes": ("yes", False),
        "-y": ("yes", False),
        "--json": ("as_json", False),
        "--dry-run": ("dry_run", False),
        "--database": ("database", True),
        "--runs-dir": ("runs_dir", True),
        "--sandbox": ("sandbox", True),
        "--timeout": ("timeout", True),
        "--detach": ("detach", False),  # queued on the service: left to Typer
        "--service": ("service", True),
        "--token": ("token", True),
        "--planner": ("planner", True),
    },
    "exec": {
        "--yes": ("yes", False),
        "-y": ("yes", False),
        "--json": ("as_json", False),
        "--no-validate": ("no_validate", False),
        "--database": ("database", True),
        "--runs-dir": ("runs_dir", True),
        "--sandbox": ("sandbox", True),
        "--timeout": ("timeout", True),
    },
}


def parse(argv: list[str]) -> tuple[str, str, dict[str, str | bool]] | None:
    """(command, argument, options) for a plain ``ask``/``exec`` command line, else None."""
    if not argv or argv[0] not in OPTIONS:
        return None
    known = OPTIONS[argv[0]]
    argument: str | None = None
    given: dict[str, str | bool] = {}
    words = iter(argv[1:])
    for word in words:
        if not word.startswith("-"):
            if argument is not None:
                return None  # a second argument: Typer says what is wrong
            argument = word
            continue
        name, equals, value = word.partition("=")
        if name not in known:
            return None
        field, takes_value = known[name]
        if takes_value and not equals:
            value = next(words, "")
            if not value or value.startswith("-"):
                return None
        elif equals and not takes_value:
            return None
        given[field] = value if takes_value else True
    if not argument:
        return None
    if not given.get("yes") and not given.get("dry_run"):
        return None  # approval is asked through Typer's prompt
    if given.get("detach"):
        return None  # sent to the service: the Typer command does it
    return argv[0], argument, given


def fast_command(argv: list[str]) -> Callable[[], int] | None:
    """The command ``argv`` asks for, ready to run, when it has a plain shape; else None."""
    parsed = parse(argv)
    if parsed is None:
        return None
    command, argument, given = parsed
    timeout: float | None = None
    if "timeout" in given:
        try:
            timeout = float(str(given["timeout"]))
        except ValueError:
            return None  # Typer's message names the option
    if given.get("planner", "offline") not in PLANNERS:
        return None  # Typer's message lists the choices
    from meta_agent.cli import running

    runs_dir = given.get("runs_dir")
    options = running.RunOptions(
        yes=bool(given.get("yes")),
        as_json=bool(given.get("as_json")),
        database=str(given["database"]) if "database" in given else None,
        runs_dir=Path(str(runs_dir)) if runs_dir else None,
        sandbox=str(given["sandbox"]) if "sandbox" in given else None,
        timeout=timeout,
        planner=str(given["planner"]) if "planner" in given else None,
    )
    if command == "ask":
        return lambda: running.ask(argument, options, dry_run=bool(given.get("dry_run")))
    file = Path(argument)
    return lambda: running.exec_script(file, options, validate=not given.get("no_validate"))
