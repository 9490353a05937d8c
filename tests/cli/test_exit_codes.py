"""Every status and exit code in the README's table, reached through the command line.

Each run-making case checks the exit code, the ``--json`` status and message, and that the run is
whole: a manifest with the same status in its folder and a row in the history (``runs --json``).
Cancellation is driven by real signals sent to a real ``meta-agent`` process.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

META_AGENT = str(Path(sys.executable).with_name("meta-agent"))

GOOD = """\
from meta_agent.tool_library.calculation_tools import calculate_dscr
from meta_agent.tool_library.data_tools import write_results_json
write_results_json({'dscr': calculate_dscr(1_250_000.0, 1_000_000.0)})
"""
# A loop of real tool calls that runs until it is stopped (validated like any script).
LONG = """\
from meta_agent.tool_library.calculation_tools import calculate_dscr
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics
for i in range(1_000_000):
    rows = fetch_portfolio_metrics()
    print('pass', i, len(rows), calculate_dscr(1_250_000.0, 1_000_000.0), flush=True)
"""


def require_bwrap() -> None:
    from meta_agent.runtime.bwrap import bwrap_problem

    problem = bwrap_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"bwrap is required under CI=true: {problem}")
        pytest.skip(problem)


def history(cli: Callable[..., Any], runs: Path) -> dict[str, dict[str, Any]]:
    listed = cli("runs", "--json", "--runs-dir", str(runs), "--limit", "100")
    assert listed.code == 0, listed.stderr
    return {row["run_id"]: row for row in listed.json()}


def assert_whole_run(cli: Callable[..., Any], runs: Path, payload: dict[str, Any]) -> None:
    """The run folder has its manifest, and the history its row, both with the same status."""
    run_dir = Path(payload["run_dir"])
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == payload["status"]
    assert manifest["error"] == payload["error"]
    row = history(cli, runs)[payload["run_id"]]
    assert row["status"] == payload["status"] and row["run_dir"] == str(run_dir)


@pytest.fixture()
def runs(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture()
def exec_script(
    cli: Callable[..., Any], sample_db_url: str, runs: Path, tmp_path: Path
) -> Callable[..., tuple[int, dict[str, Any]]]:
    def run(source: str, *options: str) -> tuple[int, dict[str, Any]]:
        script = tmp_path / f"script{len(list(tmp_path.glob('script*.py')))}.py"
        script.write_text(source)
        result = cli(
            "exec", str(script), "--yes", "--json", "--database", sample_db_url,
            "--runs-dir", str(runs), *options,
        )  # fmt: skip
        payload = result.json()
        assert_whole_run(cli, runs, payload)
        return result.code, payload

    return run


# --- statuses of runs ---------------------------------------------------------------------


def test_succeeded_exits_0(exec_script) -> None:
    code, payload = exec_script(GOOD)
    assert (code, payload["status"], payload["summary"]) == (0, "succeeded", {"dscr": 1.25})


def test_rejected_script_and_request_exit_3(
    exec_script, cli, sample_db_url: str, runs: Path
) -> None:
    code, payload = exec_script("import os\nos.system('id')\n")
    assert (code, payload["status"]) == (3, "rejected")
    assert payload["findings"][0]["rule"] == "import"
    asked = cli(
        "ask", "delete the loans on properties under 1.0x", "--yes", "--json",
        "--database", sample_db_url, "--runs-dir", str(runs),
    )  # fmt: skip
    assert asked.code == 3 and asked.json()["status"] == "rejected"
    assert "read-only" in asked.json()["error"]
    assert_whole_run(cli, runs, asked.json())


def test_failed_script_exits_1(exec_script) -> None:
    code, payload = exec_script(
        "from meta_agent.tool_library.calculation_tools import calculate_dscr\n"
        "calculate_dscr(100.0, 0.0)\n"
    )
    assert (code, payload["status"]) == (1, "failed")
    assert "UndefinedMetric" in payload["error"]


def test_error_when_no_sandbox_can_start_it_exits_1(exec_script) -> None:
    """bwrap has no network, so a database server elsewhere cannot be reached from inside."""
    require_bwrap()
    code, payload = exec_script(
        GOOD, "--sandbox", "bwrap", "--database", "postgresql://nobody@203.0.113.7/portfolio"
    )
    assert (code, payload["status"]) == (1, "error")
    assert "network" in payload["error"]


def test_error_when_the_chosen_backend_is_missing_exits_1(exec_script) -> None:
    from meta_agent.runtime.docker import docker_problem

    if docker_problem() is None:
        pytest.skip("a Docker engine is reachable here, so the docker backend can start")
    code, payload = exec_script(GOOD, "--sandbox", "docker")
    assert (code, payload["status"]) == (1, "error")
    assert "docker sandbox cannot run here" in payload["error"]


def test_timeout_exits_1(exec_script) -> None:
    code, payload = exec_script(LONG, "--timeout", "1.5")
    assert (code, payload["status"]) == (1, "timeout")
    assert "wall-clock limit" in payload["error"]


@pytest.mark.parametrize(
    ("setting", "value", "source", "status", "words"),
    [
        (
            "CPU_SECONDS", "1",
            "total = 0\nfor i in range(10 ** 10):\n    total += i\n",
            "cpu_limit", "of CPU time",
        ),
        (
            "MEMORY_MB", "200",
            "data = [0] * (10 ** 9)\nprint(len(data))\n",
            "memory_limit", "memory limit",
        ),
        (
            "MAX_OUTPUT_MB", "1",
            "from meta_agent.tool_library.data_tools import write_results_json\n"
            "write_results_json({'padding': 'x' * 3_000_000})\n",
            "output_limit", "output limits",
        ),
        (
            "MAX_LOG_MB", "0.05",
            "for i in range(1_000_000):\n    print('a line of log', i)\n",
            "log_limit", "log limit",
        ),
    ],
)  # fmt: skip
def test_limits_exit_1_with_their_own_status(
    exec_script,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    value: str,
    source: str,
    status: str,
    words: str,
) -> None:
    monkeypatch.setenv(f"META_AGENT_{setting}", value)
    code, payload = exec_script(source, "--timeout", "60")
    assert (code, payload["status"]) == (1, status), payload["error"]
    assert words in payload["error"]


def test_process_limit_exits_1(exec_script, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only an unvalidated script can start threads; the sandbox still stops it by name."""
    require_bwrap()
    monkeypatch.setenv("META_AGENT_MAX_PROCESSES", "8")
    code, payload = exec_script(
        "import threading, time\n"
        "threads = [threading.Thread(target=time.sleep, args=(5,)) for _ in range(64)]\n"
        "for t in threads:\n    t.start()\n",
        "--no-validate",
        "--sandbox",
        "bwrap",
    )
    assert (code, payload["status"]) == (1, "process_limit"), payload["error"]


# --- configuration and usage errors: exit 2 ----------------------------------------------


def ask_json(cli: Callable[..., Any], database: str, runs: Path) -> tuple[int, dict[str, Any], str]:
    result = cli(
        "ask", "dscr for all properties", "--yes", "--json", "--database", database,
        "--runs-dir", str(runs),
    )  # fmt: skip
    return result.code, result.json(), result.stderr


def test_a_missing_sqlite_file_is_exit_2_and_is_never_created(
    cli, runs: Path, tmp_path: Path, exec_script
) -> None:
    missing = tmp_path / "typo" / "portfolio.db"
    code, payload, _ = ask_json(cli, f"sqlite:///{missing}", runs)
    assert (code, payload["status"]) == (2, "failed")
    assert f"No portfolio database at {missing}: the file does not exist" in payload["error"]
    assert "meta-agent db init --database" in payload["error"]
    assert_whole_run(cli, runs, payload)
    code, payload = exec_script(GOOD, "--database", f"sqlite:///{missing}")
    assert (code, payload["status"]) == (2, "failed") and "does not exist" in payload["error"]
    info = cli("db", "info", "--database", f"sqlite:///{missing}")
    assert info.code == 2 and "does not exist" in info.stderr
    assert not missing.parent.exists()


def test_a_file_that_is_not_a_database_is_exit_2(cli, runs: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("Quarterly notes: not a database at all.\n" * 50)
    code, payload, _ = ask_json(cli, f"sqlite:///{notes}", runs)
    assert (code, payload["status"]) == (2, "failed")
    assert f"{notes} is not a SQLite database (file is not a database)" in payload["error"]
    assert_whole_run(cli, runs, payload)


def test_a_database_without_the_portfolio_says_run_db_init(cli, runs: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("CREATE TABLE notes (x TEXT)").connection.close()
    code, payload, _ = ask_json(cli, f"sqlite:///{empty}", runs)
    assert (code, payload["status"]) == (2, "failed")
    assert "holds no portfolio" in payload["error"]
    assert f"run `meta-agent db init --database sqlite:///{empty}`" in payload["error"]


def test_a_postgres_database_without_the_portfolio_says_run_db_init(
    cli, runs: Path, postgres_url: str
) -> None:
    import uuid

    import sqlalchemy as sa

    name = f"meta_agent_empty_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        code, payload, _ = ask_json(cli, url, runs)
        assert (code, payload["status"]) == (2, "failed")
        assert "holds no portfolio" in payload["error"] and "meta-agent db init" in payload["error"]
    finally:
        from meta_agent.portfolio.engine import dispose_engines

        dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_refused_postgres_connection_names_host_and_port_not_the_password(
    cli, runs: Path
) -> None:
    # Port 1 on the loopback: nothing listens there, so the connection is refused at once.
    code, payload, stderr = ask_json(cli, "postgresql://analyst:hunter2-pw@127.0.0.1:1/cre", runs)
    assert (code, payload["status"]) == (2, "failed")
    assert "Cannot connect to the PostgreSQL server at 127.0.0.1:1 " in payload["error"]
    assert "Connection refused" in payload["error"]
    assert "hunter2-pw" not in json.dumps(payload) + stderr
    manifest = (Path(payload["run_dir"]) / "manifest.json").read_text()
    assert "hunter2-pw" not in manifest


def test_usage_and_setting_errors_exit_2(
    cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = cli("exec", "nowhere.py", "--yes", "--json")
    assert missing.code == 2 and "does not exist" in missing.stderr
    assert missing.json()["status"] == "usage_error" and "does not exist" in missing.json()["error"]
    (tmp_path / "x.py").write_text(GOOD)
    unknown = cli("exec", "x.py", "--bogus")
    assert unknown.code == 2 and "--bogus" in unknown.stderr
    no_terminal = cli("exec", "x.py")
    assert no_terminal.code == 2 and "--yes" in no_terminal.stderr
    (tmp_path / "runs-file").write_text("not a folder")
    blocked = cli("exec", "x.py", "--yes", "--runs-dir", str(tmp_path / "runs-file"))
    assert blocked.code == 2 and "Cannot use the runs folder" in blocked.stderr
    monkeypatch.setenv("META_AGENT_TIMEOUT_SECONDS", "soon")
    bad = cli("exec", "x.py", "--yes", "--json")
    assert bad.code == 2 and "timeout_seconds" in bad.stderr
    for result in (missing, unknown, no_terminal, blocked, bad):
        assert "Traceback" not in result.stderr


# --- internal errors: exit 70 -------------------------------------------------------------


def test_an_internal_error_exits_70_and_still_completes_the_run(
    cli, sample_db_url: str, runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (here: one planted in the planner) is not a run's failure: exit 70, please report."""
    from meta_agent.planning.rule_based import RuleBasedPlanner

    def broken(self: object, analysis: object) -> object:
        raise ZeroDivisionError("planted bug")

    monkeypatch.setattr(RuleBasedPlanner, "plan", broken)
    result = cli(
        "ask", "dscr for all properties", "--yes", "--database", sample_db_url,
        "--runs-dir", str(runs),
    )  # fmt: skip
    assert result.code == 70
    assert "Internal error: ZeroDivisionError: planted bug" in result.stderr
    assert result.stderr.count("\n") == 1
    assert "please report it" in result.stderr and "Traceback" not in result.stderr
    (row,) = history(cli, runs).values()
    assert row["status"] == "failed" and "planted bug" in row["error"]
    manifest = json.loads((Path(row["run_dir"]) / "manifest.json").read_text())
    assert manifest["status"] == "failed"


# --- cancelled: 130 for SIGINT (Ctrl-C), 143 for SIGTERM ------------------------------------


def start(
    args: list[str], tmp_path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [META_AGENT, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=tmp_path,
    )


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def run_log(runs: Path) -> Path | None:
    logs = list(runs.glob("*/logs/run.log"))
    return logs[0] if logs else None


def log_shows(runs: Path, text: str) -> bool:
    log = run_log(runs)
    return log is not None and text in log.read_text()


def interrupt_run(
    args: list[str], runs: Path, tmp_path: Path, signum: int, started_when: str
) -> tuple[int, dict[str, Any], str, list[int]]:
    """Start the CLI, wait until the run's log shows ``started_when``, signal, collect."""
    proc = start([*args, "--runs-dir", str(runs)], tmp_path)
    try:
        wait_for(lambda: log_shows(runs, started_when), 60, f"{started_when!r} in the run log")
        sandbox = [child.pid for child in psutil.Process(proc.pid).children(recursive=True)]
        assert sandbox, "the sandbox should be running"
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.communicate()  # closes the pipes even when the run never started
    return proc.returncode, json.loads(stdout), stderr, sandbox


def assert_no_survivors(pids: list[int]) -> None:
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            continue
    assert not alive, f"sandbox processes left behind: {alive}"


def assert_cancelled(
    cli: Callable[..., Any], runs: Path, payload: dict[str, Any], stderr: str, reason: str
) -> None:
    assert payload["status"] == "cancelled"
    assert reason.lower() in payload["error"].lower()
    assert "the run was cancelled; its sandbox was stopped" in payload["error"]
    assert "Traceback" not in stderr
    assert_whole_run(cli, runs, payload)
    log = (Path(payload["run_dir"]) / "logs" / "run.log").read_text()
    assert "[runtime] cancelled:" in log and reason in log
    stats = cli("runs", "stats", "--runs-dir", str(runs))
    assert stats.code == 0 and "cancelled" in stats.stdout


@pytest.mark.parametrize(
    ("signum", "code", "reason", "sandbox"),
    [
        (signal.SIGINT, 130, "the user pressed Ctrl-C (SIGINT)", "auto"),
        (signal.SIGTERM, 143, "the process was asked to stop (SIGTERM", "auto"),
        (signal.SIGINT, 130, "the user pressed Ctrl-C (SIGINT)", "process"),
    ],
)
def test_a_signal_during_exec_cancels_the_run_and_stops_the_sandbox(
    cli,
    sample_db_url: str,
    runs: Path,
    tmp_path: Path,
    signum: int,
    code: int,
    reason: str,
    sandbox: str,
) -> None:
    script = tmp_path / "long.py"
    script.write_text(LONG)
    args = ["exec", str(script), "--yes", "--json", "--database", sample_db_url]
    returncode, payload, stderr, sandboxed = interrupt_run(
        [*args, "--sandbox", sandbox], runs, tmp_path, signum, "[stdout] pass 3 "
    )
    assert returncode == code, stderr
    assert_no_survivors(sandboxed)
    assert_cancelled(cli, runs, payload, stderr, reason)
    log = (Path(payload["run_dir"]) / "logs" / "run.log").read_text()
    assert "[stdout] pass 3 60 1.25" in log  # the partial log is kept


@pytest.fixture(scope="module")
def large_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A portfolio big enough for the executive report to take a few seconds."""
    from meta_agent.portfolio.generator import generate_portfolio

    path = tmp_path_factory.mktemp("large") / "portfolio.db"
    generate_portfolio(f"sqlite:///{path}", properties=4000, seed=7)
    return f"sqlite:///{path}"


def test_ctrl_c_during_ask_cancels_the_run_and_stops_the_sandbox(
    cli, large_db_url: str, runs: Path, tmp_path: Path
) -> None:
    args = [
        "ask", "Generate monthly performance report for executive team", "--yes", "--json",
        "--database", large_db_url,
    ]  # fmt: skip
    returncode, payload, stderr, sandbox = interrupt_run(
        args, runs, tmp_path, signal.SIGINT, "[runtime] sandbox"
    )
    assert returncode == 130, stderr
    assert_no_survivors(sandbox)
    assert_cancelled(cli, runs, payload, stderr, "the user pressed Ctrl-C (SIGINT)")
    assert Path(payload["run_dir"], "plan.json").is_file()
    assert payload["artifacts"] == [] or all(Path(a).is_file() for a in payload["artifacts"])


def test_ctrl_c_before_a_run_folder_exists_is_one_line(tmp_path: Path) -> None:
    """First use of the default database builds the sample; stopping it leaves no half file."""
    for attempt in range(3):
        data = tmp_path / f"fresh-data-{attempt}"
        proc = start(
            ["ask", "dscr for all properties", "--yes"],
            tmp_path,
            {"META_AGENT_DATA_DIR": str(data)},
        )
        try:
            wait_for(
                lambda folder=data: any(folder.glob(".portfolio.db.*.partial")),
                60,
                "the sample being built",
            )
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=30)
        finally:
            proc.kill()
        if not (data / "portfolio.db").exists():
            break  # the signal arrived while the sample was being built, as wanted
        # On a loaded machine the build can finish between seeing the partial file and the
        # signal landing: that is another test's case (a stop during the run); try again.
    assert proc.returncode == 130
    assert stderr.strip() == "Cancelled: the user pressed Ctrl-C (SIGINT). Nothing ran."
    assert not (data / "portfolio.db").exists() and not list(data.glob(".portfolio.db.*"))
    assert not list((data / "runs").glob("2*"))
