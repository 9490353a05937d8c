"""The CLI's approvals are on the record as the service's are: who, what, when.

At the prompt (y, n, Ctrl-C) and with --yes, for ``ask`` and ``exec``: a row in the history's
``run_decisions``, ``decisions.json`` in the run folder (listed in the manifest), and ``runs
show``.
"""

from __future__ import annotations

import getpass
import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = (
    "from meta_agent.tool_library.calculation_tools import calculate_dscr\n"
    "from meta_agent.tool_library.data_tools import write_results_json\n"
    "write_results_json({'dscr': calculate_dscr(1_250_000.0, 1_000_000.0)})\n"
)
USER = getpass.getuser()


class Terminal(io.StringIO):
    """Typed answers on a standard input that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture()
def script(tmp_path: Path) -> Path:
    path = tmp_path / "dscr.py"
    path.write_text(SCRIPT)
    return path


def only_run(runs: Path) -> Path:
    (folder,) = [path for path in runs.iterdir() if (path / "request.txt").exists()]
    return folder


def shown(cli, runs: Path, run_id: str) -> dict:
    answer = cli("runs", "show", run_id, "--runs-dir", str(runs), "--json")
    assert answer.code == 0, answer.stderr
    return dict(answer.json())


def test_exec_yes_is_recorded_as_approved_in_advance_by_the_os_user(
    cli, sample_db_url: str, script: Path, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    ran = cli("exec", str(script), "--yes", "--json", "--runs-dir", str(runs)).json()
    assert ran["status"] == "succeeded", ran
    detail = shown(cli, runs, ran["run_id"])
    (decision,) = detail["decisions"]
    assert decision["action"] == "approved (--yes)" and decision["actor"] == USER
    assert decision["at"] <= detail["manifest"]["finished_at"] and decision["diff"] is None
    saved = json.loads((runs / ran["run_id"] / "decisions.json").read_text())
    assert saved == detail["decisions"]
    assert "decisions.json" in detail["manifest"]["files"]  # on the record with its checksum


@pytest.mark.parametrize(
    ("answer", "action", "status", "code"),
    [
        ("y\n", "approved", "succeeded", 0),
        ("n\n", "rejected", "rejected", 3),
        ("", "rejected", "rejected", 3),  # Ctrl-D at the prompt declines
    ],
)
def test_exec_at_the_prompt_records_the_answer(
    cli,
    sample_db_url: str,
    script: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    action: str,
    status: str,
    code: int,
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setattr(sys, "stdin", Terminal(answer))
    done = cli("exec", str(script), "--runs-dir", str(runs))
    assert done.code == code, done.stdout + done.stderr
    run_id = only_run(runs).name
    detail = shown(cli, runs, run_id)
    assert detail["run"]["status"] == status
    assert [(d["action"], d["actor"]) for d in detail["decisions"]] == [(action, USER)]
    human = cli("runs", "show", run_id, "--runs-dir", str(runs)).stdout
    assert f"decided: {action} by {USER} at " in human


def test_ask_at_the_prompt_records_a_refusal_and_nothing_runs(
    cli, sample_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    done = cli("ask", "Calculate DSCR for all properties", "--runs-dir", str(runs))
    assert done.code == 3
    folder = only_run(runs)
    detail = shown(cli, runs, folder.name)
    assert [(d["action"], d["actor"]) for d in detail["decisions"]] == [("rejected", USER)]
    assert not list((folder / "results").iterdir())


def test_ask_yes_records_the_approval_and_dry_run_records_none(
    cli, sample_db_url: str, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    planned = cli("ask", "dscr by asset", "--dry-run", "--json", "--runs-dir", str(runs)).json()
    assert shown(cli, runs, planned["run_id"])["decisions"] == []
    ran = cli("ask", "dscr by asset", "--yes", "--json", "--runs-dir", str(runs)).json()
    assert ran["status"] == "succeeded", ran
    decisions = shown(cli, runs, ran["run_id"])["decisions"]
    assert [(d["action"], d["actor"]) for d in decisions] == [("approved (--yes)", USER)]


def test_rerun_asks_nobody_and_records_no_decision(
    cli, sample_db_url: str, script: Path, tmp_path: Path
) -> None:
    runs = tmp_path / "runs"
    first = cli("exec", str(script), "--yes", "--json", "--runs-dir", str(runs)).json()
    again = cli("rerun", first["run_id"], "--json", "--runs-dir", str(runs)).json()
    assert again["status"] == "succeeded" and again["identical"] is True
    assert shown(cli, runs, again["run_id"])["decisions"] == []


def test_ctrl_c_at_the_prompt_is_recorded_as_cancelled(
    cli, sample_db_url: str, script: Path, tmp_path: Path
) -> None:
    """A real terminal (a pty) with the prompt waiting on it, then Ctrl-C's SIGINT."""
    runs = tmp_path / "runs"
    main, child = pty.openpty()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "meta-agent"),
            "exec",
            str(script),
            "--runs-dir",
            str(runs),
        ],
        stdin=child,
        stdout=child,
        stderr=child,
        env={**os.environ, "COLUMNS": "200"},
        start_new_session=True,
    )
    os.close(child)
    seen = b""
    deadline = time.monotonic() + 60
    while b"Run this script?" not in seen and time.monotonic() < deadline:
        if select.select([main], [], [], 0.5)[0]:
            seen += os.read(main, 65536)
    assert b"Run this script?" in seen, seen.decode(errors="replace")
    process.send_signal(signal.SIGINT)  # what Ctrl-C at the terminal sends
    deadline = time.monotonic() + 60
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if select.select([main], [], [], 0.2)[0]:  # read on, or its output blocks it
                try:
                    seen += os.read(main, 65536)
                except OSError:
                    break
        # The terminal may close before the process has written its record: wait it out.
        code = process.wait(timeout=max(5.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    assert code == 130
    run_id = only_run(runs).name
    detail = shown(cli, runs, run_id)
    assert detail["run"]["status"] == "cancelled"
    assert [(d["action"], d["actor"]) for d in detail["decisions"]] == [("cancelled", USER)]


def test_exec_of_an_edited_generated_script_records_the_diff(
    cli, sample_db_url: str, tmp_path: Path
) -> None:
    """The generated script says "edit by hand, then meta-agent exec": the edit is on record."""
    runs = tmp_path / "runs"
    planned = cli("ask", "dscr by asset", "--dry-run", "--json", "--runs-dir", str(runs)).json()
    generated = Path(planned["script"]).read_text()
    edited = tmp_path / "edited.py"
    edited.write_text(generated.replace("Step 1/", "First step, 1/"))
    ran = cli("exec", str(edited), "--yes", "--json", "--runs-dir", str(runs)).json()
    assert ran["status"] == "succeeded", ran
    (decision,) = shown(cli, runs, ran["run_id"])["decisions"]
    assert decision["action"] == "approved (--yes)"
    assert decision["diff"].startswith("--- script.generated.py\n+++ script.py\n")
    assert '+    logger.info("First step, 1/' in decision["diff"]
    assert (runs / ran["run_id"] / "script.diff").read_text() == decision["diff"]
    human = cli("runs", "show", ran["run_id"], "--runs-dir", str(runs)).stdout
    assert "diff kept" in human

    same = tmp_path / "same.py"
    same.write_text(generated)  # unedited: no diff
    again = cli("exec", str(same), "--yes", "--json", "--runs-dir", str(runs)).json()
    assert shown(cli, runs, again["run_id"])["decisions"][0]["diff"] is None
