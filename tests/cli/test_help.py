"""The help a person reads first: whole descriptions at 80 columns, examples, exit codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _help(cli: Callable[..., Any], *args: str) -> str:
    done = cli(*args, "--help", columns=80)
    assert done.code == 0, done.stderr
    return str(done.stdout)


def test_command_list_is_not_truncated(cli: Callable[..., Any]) -> None:
    text = _help(cli)
    commands = text.split("Commands:", 1)[1].splitlines()
    assert commands and not any(line.rstrip().endswith("...") for line in commands), text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_ask_help_has_examples_results_and_exit_codes(cli: Callable[..., Any]) -> None:
    text = _help(cli, "ask")
    assert "Examples:" in text and 'meta-agent ask "' in text
    assert "results/" in text and "manifest.json" in text
    for code in ("0 ", "3 ", "1 ", "2 ", "130/143", "70 "):
        assert code in text
    assert "auto|bwrap|docker|process" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_sandbox_choices_are_enforced(cli: Callable[..., Any]) -> None:
    done = cli("ask", "portfolio DSCR", "--sandbox", "chroot", "--dry-run")
    assert done.code == 2 and "chroot" in done.stderr
