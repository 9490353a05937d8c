"""The command line as a user meets it: clear messages, exit codes, JSON for programs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.needs import unavailable


def test_help_lists_the_commands(cli) -> None:
    result = cli("--help")
    assert result.code == 0
    for command in ("ask", "exec", "validate", "runs", "rerun", "archive", "tools", "db", "config"):
        assert command in result.stdout


def test_tools_json_is_an_array_with_the_contract_fields(cli) -> None:
    result = cli("tools", "--json")
    assert result.code == 0
    tools = result.json()
    names = {t["name"] for t in tools}
    assert {
        "fetch_portfolio_metrics",
        "calculate_dscr",
        "scenario_analysis",
        "export_to_csv",
    } <= names
    for item in tools:
        assert {
            "name",
            "category",
            "version",
            "description",
            "parameters",
            "returns",
            "side_effects",
        } <= set(item)
        assert item["parameters"]["type"] == "object"


def test_tools_show_and_unknown_tool(cli) -> None:
    shown = cli("tools", "show", "calculate_dscr")
    assert shown.code == 0 and "debt_service" in shown.stdout
    missing = cli("tools", "show", "calculate_dscrr")
    assert missing.code == 1
    assert (
        "No tool named 'calculate_dscrr'" in missing.stderr and "calculate_dscr" in missing.stderr
    )
    assert "Traceback" not in missing.stderr


def test_config_shows_sources_and_masks_secrets(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_AGENT_DATABASE_URL", "postgresql+psycopg://u:hunter2@db.example/x")
    monkeypatch.setenv("META_AGENT_EXTERNAL_API_KEY", "sk-very-secret")
    result = cli("config", "--runs-dir", "/tmp/elsewhere")
    assert result.code == 0
    assert "hunter2" not in result.stdout and "sk-very-secret" not in result.stdout
    assert "environment (META_AGENT_DATABASE_URL)" in result.stdout
    assert "command-line option" in result.stdout


def test_db_init_refuses_to_overwrite_without_force(cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert cli("db", "init", "--database", url, "--properties", "12").code == 0
    again = cli("db", "init", "--database", url, "--properties", "12")
    assert again.code != 0 and "--force" in again.stderr and "Traceback" not in again.stderr
    assert cli("db", "init", "--database", url, "--properties", "12", "--force").code == 0
    info = cli("db", "info", "--database", url)
    assert info.code == 0 and "12" in info.stdout


def test_ask_without_a_terminal_needs_yes(cli) -> None:
    result = cli("ask", "dscr for all properties")
    assert result.code == 2
    assert "--yes" in result.stderr and "Traceback" not in result.stderr


def test_ask_json_runs_use_case_one(cli, sample_db_url: str, tmp_path: Path) -> None:
    result = cli(
        "ask",
        "Calculate DSCR for all properties and identify at-risk assets",
        "--yes",
        "--json",
        "--database",
        sample_db_url,
        "--runs-dir",
        str(tmp_path / "runs"),
    )
    payload = result.json()
    assert result.code == 0, payload
    assert payload["status"] == "succeeded" and payload["error"] is None
    assert set(payload) >= {
        "run_id",
        "status",
        "run_dir",
        "script",
        "artifacts",
        "summary",
        "error",
    }
    run_dir = Path(payload["run_dir"])
    for name in (
        "request.txt",
        "analysis.json",
        "plan.json",
        "script.py",
        "manifest.json",
        "logs/run.log",
    ):
        assert (run_dir / name).is_file(), name
    assert any(a.endswith(".csv") for a in payload["artifacts"])
    assert all(Path(a).is_file() for a in payload["artifacts"])
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "succeeded"
    assert "results/results.json" in manifest["files"]

    listed = cli("runs", "--runs-dir", str(tmp_path / "runs"), "--json")
    assert [r["run_id"] for r in listed.json()] == [payload["run_id"]]
    shown = cli("runs", "--runs-dir", str(tmp_path / "runs"), "show", payload["run_id"])
    assert shown.code == 0 and "script.py" in shown.stdout
    stats = cli("runs", "--runs-dir", str(tmp_path / "runs"), "stats", "--json").json()
    assert stats["total"] == 1 and stats["success_rate"] == 1.0

    again = cli(
        "rerun",
        payload["run_id"],
        "--json",
        "--runs-dir",
        str(tmp_path / "runs"),
        "--database",
        sample_db_url,
    )
    rerun = again.json()
    assert rerun["status"] == "succeeded" and rerun["identical"] is True, rerun["differences"]

    packed = cli("archive", payload["run_id"], "--runs-dir", str(tmp_path / "runs"))
    assert packed.code == 0
    import tarfile

    archive_path = Path(packed.stdout.split("Archived to", 1)[1].strip())
    with tarfile.open(archive_path) as tar:
        assert f"{payload['run_id']}/script.py" in tar.getnames()


def test_rejected_request_says_why_with_suggestions(
    cli, sample_db_url: str, tmp_path: Path
) -> None:
    result = cli(
        "ask",
        "DSCR for Orlando Fashion Squire Mall North Annex",
        "--yes",
        "--json",
        "--database",
        sample_db_url,
        "--runs-dir",
        str(tmp_path / "runs"),
    )
    payload = result.json()
    assert result.code == 3
    assert payload["status"] == "rejected" and payload["error"]
    delete = cli(
        "ask",
        "delete the loans on properties under 1.0x",
        "--yes",
        "--json",
        "--database",
        sample_db_url,
        "--runs-dir",
        str(tmp_path / "runs"),
    ).json()
    assert delete["status"] == "rejected" and "read-only" in delete["error"]


def test_dry_run_plans_without_running(cli, sample_db_url: str, tmp_path: Path) -> None:
    result = cli(
        "ask",
        "top 10 assets by T12 NOI",
        "--dry-run",
        "--json",
        "--database",
        sample_db_url,
        "--runs-dir",
        str(tmp_path / "runs"),
    )
    payload = result.json()
    assert result.code == 0 and payload["status"] == "succeeded" and payload["dry_run"] is True
    assert Path(payload["script"]).is_file() and payload["artifacts"] == []


def test_validate_and_exec_a_user_script(cli, sample_db_url: str, tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text(
        "import logging\n"
        "from meta_agent.tool_library.calculation_tools import calculate_dscr\n"
        "from meta_agent.tool_library.data_tools import write_results_json\n"
        "logger = logging.getLogger('meta_agent.run')\n"
        "dscr = calculate_dscr(1_250_000.0, 1_000_000.0)\n"
        "logger.info('dscr %s', dscr)\n"
        "write_results_json({'dscr': dscr})\n"
    )
    assert cli("validate", str(good)).code == 0
    ran = cli(
        "exec",
        str(good),
        "--yes",
        "--json",
        "--database",
        sample_db_url,
        "--runs-dir",
        str(tmp_path / "runs"),
    ).json()
    assert ran["status"] == "succeeded", ran
    assert ran["summary"] == {"dscr": 1.25}

    bad = tmp_path / "bad.py"
    bad.write_text("import os\nos.system('id')\n")
    checked = cli("validate", str(bad), "--json")
    assert checked.code == 3
    findings = checked.json()["findings"]
    assert any(f["rule"] == "import" and f["line"] == 1 for f in findings)
    refused = cli(
        "exec",
        str(bad),
        "--yes",
        "--json",
        "--database",
        sample_db_url,
        "--runs-dir",
        str(tmp_path / "runs"),
    ).json()
    assert refused["status"] == "rejected" and refused["findings"]


def test_failing_script_is_failed_with_its_error_logged(
    cli, sample_db_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "fails.py"
    script.write_text(
        "from meta_agent.tool_library.calculation_tools import calculate_dscr\n"
        "calculate_dscr(100.0, 0.0)\n"
    )
    ran = cli(
        "exec",
        str(script),
        "--yes",
        "--json",
        "--database",
        sample_db_url,
        "--runs-dir",
        str(tmp_path / "runs"),
    ).json()
    assert ran["status"] == "failed"
    log = (Path(ran["run_dir"]) / "logs" / "run.log").read_text()
    assert "UndefinedMetric" in log


def test_startup_is_fast_and_lazy() -> None:
    """--help and tools must not import pandas, matplotlib or SQLAlchemy."""
    code = (
        "import sys; sys.argv=['meta-agent','tools','--json'];"
        "from meta_agent.cli.main import run\n"
        "try: run()\nexcept SystemExit: pass\n"
        "heavy=[m for m in ('pandas','matplotlib','sqlalchemy','numpy','reportlab') if m in sys.modules]\n"
        "sys.stderr.write(repr(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip() == "[]"


def test_exec_no_validate_is_contained_by_the_sandbox(
    cli, sample_db_url: str, tmp_path: Path
) -> None:
    """The loud escape hatch: an unvalidated script that reads a host file gets nothing."""
    from meta_agent.runtime.executor import backend_problems

    if backend_problems()["bwrap"] is not None:
        unavailable("bubblewrap is not usable here")
    canary = tmp_path / "host-secret.txt"
    canary.write_text("CANARY-4242")
    script = tmp_path / "snoop.py"
    script.write_text(f"print(open({str(canary)!r}).read())\n")
    result = cli(
        "exec",
        str(script),
        "--yes",
        "--json",
        "--no-validate",
        "--sandbox",
        "bwrap",
        "--database",
        sample_db_url,
        "--runs-dir",
        str(tmp_path / "runs"),
    )
    payload = result.json()
    assert payload["status"] == "failed"
    assert any("Validation was switched off" in w for w in payload["warnings"])
    log = (Path(payload["run_dir"]) / "logs" / "run.log").read_text()
    assert "CANARY-4242" not in log and "FileNotFoundError" in log
    assert "Validation is OFF" in result.stderr


def test_invalid_settings_are_one_clear_line(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_AGENT_MEMORY_MB", "lots")
    result = cli("config")
    assert result.code == 2
    assert "memory_mb" in result.stderr and "META_AGENT_MEMORY_MB" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    monkeypatch.delenv("META_AGENT_MEMORY_MB")
    bad = cli("ask", "dscr for all", "--sandbox", "jail", "--yes", "--json")
    assert (
        bad.code == 2 and bad.json()["status"] == "usage_error" and "sandbox" in bad.json()["error"]
    )


def test_allowed_hosts_accept_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    from meta_agent.config import load_settings

    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", "api.census.gov, geocoding.geo.census.gov")
    assert load_settings().allowed_hosts == ["api.census.gov", "geocoding.geo.census.gov"]
    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", '["a.example"]')
    assert load_settings().allowed_hosts == ["a.example"]


def test_a_missing_database_fails_cleanly_with_a_complete_run_folder(cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere' / 'p.db'}"
    result = cli(
        "ask",
        "dscr for all properties",
        "--yes",
        "--json",
        "--database",
        url,
        "--runs-dir",
        str(tmp_path / "runs"),
    )
    payload = result.json()
    assert result.code == 2 and payload["status"] == "failed"
    assert "db init" in payload["error"] and "does not exist" in payload["error"]
    assert not (tmp_path / "nowhere").exists()  # never created as a side effect
    manifest = json.loads((Path(payload["run_dir"]) / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["error"] == payload["error"]
