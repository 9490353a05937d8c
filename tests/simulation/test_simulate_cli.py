"""``meta-agent simulate`` end to end on the sample database: run folder, files, JSON, errors."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from meta_agent.archive.history import RunHistory
from tests.cli.conftest import CliResult

Cli = Callable[..., CliResult]

PLAN_JSON = [
    {"name": "Base Case", "parameters": {"noi": 1_000_000, "debt_service": 750_000}},
    {"name": "Pessimistic", "parameters": {"noi": 800_000, "debt_service": 750_000}},
    {"name": "Optimistic", "parameters": {"noi": 1_200_000, "debt_service": 750_000}},
]


@pytest.fixture()
def runs_dir(tmp_path: Path) -> Path:
    return tmp_path / "runs"


def test_plan_example_from_a_file(cli: Cli, tmp_path: Path, runs_dir: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(PLAN_JSON, indent=2))
    result = cli("simulate", str(path), "--json", "--runs-dir", str(runs_dir))
    assert result.code == 0, result.stderr
    out = result.json()
    assert out["status"] == "succeeded"
    assert [round(r["summary"]["dscr"], 3) for r in out["results"]] == [1.333, 1.067, 1.6]
    assert [r["scenario"] for r in out["results"]] == ["Base Case", "Pessimistic", "Optimistic"]
    assert out["results"][0]["parameters"] == {"noi": 1_000_000.0, "debt_service": 750_000.0}
    assert {"comparison.csv", "simulation.xlsx", "results.json"} <= set(out["artifacts"])
    folder = Path(out["run_dir"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "simulation" and manifest["status"] == "succeeded"
    assert "results/comparison.csv" in manifest["files"]
    with RunHistory(runs_dir) as history:
        assert history.get(folder.name).kind == "simulation"
    text = cli("simulate", str(path), "--runs-dir", str(runs_dir))
    assert "Pessimistic" in text.stdout and "1.07x" in text.stdout


def test_grid_on_the_sample_database(cli: Cli, sample_db_url: str, runs_dir: Path) -> None:
    result = cli(
        "simulate", "--grid", "noi 0..-40 step 10 x rate 0..300 step 100", "--json",
        "--database", sample_db_url, "--runs-dir", str(runs_dir),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    out = result.json()
    assert len(out["results"]) == 20 and out["results"][0]["scenario"] == "base"
    assert {"dscr_vs_noi.png", "at_risk_heatmap.png", "tornado.png"} <= set(out["artifacts"])
    folder = Path(out["run_dir"]) / "results"
    with (folder / "comparison.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["scenario"] for r in rows] == [r["scenario"] for r in out["results"]]
    for row, entry in zip(rows, out["results"], strict=True):
        assert float(row["dscr"]) == pytest.approx(entry["summary"]["dscr"], rel=1e-9)
        assert int(row["at_risk_count"]) == entry["summary"]["at_risk_count"]
    workbook = load_workbook(folder / "simulation.xlsx", read_only=True)
    assert workbook.sheetnames[:3] == ["Summary", "Comparison", "Properties"]


def test_lists_add_the_base_case_and_failures_are_reported(
    cli: Cli, sample_db_url: str, runs_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "- name: crash\n  parameters: {cap_rate_shift_bp: -5000}\n"
        "- name: mild\n  parameters: {noi_change_pct: -5}\n"
    )
    result = cli(
        "simulate", str(path), "--noi", "-10,-20", "--rate", "+100", "--json",
        "--database", sample_db_url, "--runs-dir", str(runs_dir),
    )  # fmt: skip
    assert result.code == 1
    out = result.json()
    assert out["status"] == "partial"
    names = [r["scenario"] for r in out["results"]]
    assert names == ["base", "crash", "mild", "noi-10%", "noi-20%", "rate+100bp"]
    crash = out["results"][1]
    assert crash["status"] == "failed" and "cap-rate shift" in crash["error"]
    assert all(r["status"] == "succeeded" for r in out["results"] if r["scenario"] != "crash")
    assert any("crash" in w for w in out["warnings"])


def test_a_bad_file_is_a_clear_error_with_its_line(
    cli: Cli, tmp_path: Path, runs_dir: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("scenarios:\n  - name: x\n    parameters:\n      noi_change: -10\n")
    result = cli("simulate", str(path), "--runs-dir", str(runs_dir))
    assert result.code == 2
    assert "Scenario 'x' (bad.yaml, line 4): field 'noi_change': unknown parameter" in result.stderr
    as_json = cli("simulate", str(path), "--json", "--runs-dir", str(runs_dir))
    assert as_json.json()["status"] == "usage_error"  # exit 2: the input, before any run
    assert not runs_dir.exists()  # refused before any run folder


def test_monte_carlo_from_the_cli(cli: Cli, sample_db_url: str, runs_dir: Path) -> None:
    args = ["simulate", "--monte-carlo", "3000", "--seed", "11", "--json",
            "--database", sample_db_url, "--runs-dir", str(runs_dir)]  # fmt: skip
    first = cli(*args).json()
    second = cli(*args, "--workers", "3").json()
    assert first["status"] == "succeeded"
    assert first["monte_carlo"] == second["monte_carlo"]
    bands = first["monte_carlo"]["aggregate_dscr"]
    assert bands["p5"] < bands["p50"] < bands["p95"]
    assert {"monte_carlo_dscr.png", "breach_probabilities.png", "breach_probabilities.csv"} <= set(
        first["artifacts"]
    )
    assert first["monte_carlo"]["horizon_months"] == 12
    longer = cli(*args, "--horizon", "24").json()
    assert longer["monte_carlo"]["horizon_months"] == 24
    assert longer["monte_carlo"]["aggregate_dscr"] == bands  # the same draws at the horizon
    assert any(a.endswith("monte_carlo_fan.png") for a in longer["artifacts"])
    fan = Path(longer["run_dir"]) / "results" / "monte_carlo_fan.csv"
    assert fan.read_text().count("\n") == 26  # a header and months 0 .. 24
    bad = cli("simulate", "--monte-carlo", "10", "--rate-dist", "historical", "--json")
    assert bad.code == 2 and "historical bootstrap is for NOI" in bad.json()["error"]


def test_scenarios_from_a_request(
    cli: Cli, sample_db_path: Path, sample_db_url: str, runs_dir: Path
) -> None:
    from tests.simulation.test_runner import expected, independent

    result = cli(
        "simulate", "--request", "what if NOI falls 15% and rates rise 100 bp for retail properties",
        "--json", "--database", sample_db_url, "--runs-dir", str(runs_dir),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    base, shocked = result.json()["results"]
    assert base["parameters"] == {"property_types": ["retail"]}
    assert shocked["parameters"] == {
        "noi_change_pct": -15.0, "rate_shift_bp": 100.0, "property_types": ["retail"],
    }  # fmt: skip
    props = independent(sample_db_path)
    want = expected(props, -15, 100, 0, 0, types={"retail"})
    assert shocked["summary"]["dscr"] == pytest.approx(want["dscr"], rel=1e-9)
    assert shocked["summary"]["dscr_change"] == pytest.approx(
        want["dscr"] - expected(props, 0, 0, 0, 0, types={"retail"})["dscr"], rel=1e-9
    )
    manifest = json.loads((Path(result.json()["run_dir"]) / "manifest.json").read_text())
    assert any("retail" in line for line in manifest["interpretations"])
    none = cli("simulate", "--request", "show DSCR for all properties", "--database", sample_db_url)
    assert none.code == 2 and "names no NOI or rate shock" in none.stderr


def test_a_request_without_a_threshold_uses_the_setting(
    sample_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meta_agent.simulation.from_request import scenarios_from_request

    read = scenarios_from_request("what if NOI falls 15%", sample_db_url, default_threshold=1.4)
    assert read.threshold == 1.4
    named = scenarios_from_request(
        "what if NOI falls 15%, at risk below 1.3x", sample_db_url, default_threshold=1.4
    )
    assert named.threshold == 1.3
