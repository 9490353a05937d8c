"""Run the real ``meta-agent`` entry point in-process and capture what a user would see."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture()
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., CliResult]:
    from meta_agent.cli.main import run

    def invoke(*args: str, columns: int = 250) -> CliResult:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["meta-agent", *args])
        monkeypatch.setenv("COLUMNS", str(columns))  # wide by default: assertions read whole lines
        code = 0
        try:
            run()
        except SystemExit as done:
            code = int(done.code or 0) if not isinstance(done.code, str) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
