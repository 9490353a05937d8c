"""The hostile scripts through ``meta-agent exec``'s real path, validator on, ``process`` backend.

The process backend runs a script as the host user, so here the validator is the only wall: each
script must be refused before anything runs. The encoding scripts carry a live payload (it
creates ``<script>.ran`` next to the script that runs); run with the validator off, the payload
does run, which shows the refusal is what stopped it.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from meta_agent.config import Settings
from meta_agent.pipeline import Pipeline, RunOutcome

HOSTILE = Path(__file__).parent / "hostile"
SCRIPTS = sorted(HOSTILE.glob("*.py"))
EXPECT = re.compile(rb"^# expect: (\w+)$", re.MULTILINE)
# Encoding scripts whose payload Python runs when nothing stops it.
LIVE_PAYLOADS = [
    "81_coding_utf7.py",
    "82_coding_unicode_escape.py",
    "85_form_feed_hides_declaration.py",
    "86_line_separator_hides_declaration.py",
    "87_vertical_tab_and_separators.py",
    "88_cr_only_line_endings.py",
    "89_declaration_after_cr_on_line_one.py",
]


def exec_script(script: Path, tmp_path: Path, *, validate: bool) -> RunOutcome:
    incoming = tmp_path / "incoming"
    incoming.mkdir(exist_ok=True)
    copy = incoming / script.name
    shutil.copyfile(script, copy)
    database = tmp_path / "portfolio.db"
    sqlite3.connect(database).close()  # the scripts read no data; the runtime wants a file
    settings = Settings(
        database_url=f"sqlite:///{database}",
        runs_dir=tmp_path / "runs",
        sandbox="process",
        timeout_seconds=20,
    )
    return Pipeline(settings).exec_script(copy, validate=validate)


def payload_marks(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.rglob("*.ran"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_refused_before_it_runs(script: Path, tmp_path: Path) -> None:
    outcome = exec_script(script, tmp_path, validate=True)
    assert outcome.status == "rejected", f"{script.name} passed validation"
    match = EXPECT.search(script.read_bytes().replace(b"\r", b"\n"))
    assert match
    assert match.group(1).decode() in {finding.rule for finding in outcome.findings}
    assert outcome.resources == {}  # no sandbox was started
    assert outcome.run_dir is not None
    assert not (outcome.run_dir / "logs" / "run.log").exists()
    assert list((outcome.run_dir / "results").iterdir()) == []
    assert payload_marks(tmp_path) == []


@pytest.mark.parametrize("name", LIVE_PAYLOADS)
def test_the_encoding_payloads_are_live(name: str, tmp_path: Path) -> None:
    outcome = exec_script(HOSTILE / name, tmp_path, validate=False)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.run_dir is not None
    assert payload_marks(tmp_path) == [outcome.run_dir / "script.ran"]


def test_the_script_that_runs_is_the_text_that_was_checked(tmp_path: Path) -> None:
    source = "# -*- coding: utf-8 -*-\r\nx = 1\r\nprint('é', x)\r\n"
    script = tmp_path / "ok.py"
    script.write_bytes(b"\xef\xbb\xbf" + source.encode("utf-8"))
    outcome = exec_script(script, tmp_path, validate=True)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.run_dir is not None
    # The BOM is gone, nothing else changed: the bytes that ran are the checked text as UTF-8.
    assert (outcome.run_dir / "script.py").read_bytes() == source.encode("utf-8")
