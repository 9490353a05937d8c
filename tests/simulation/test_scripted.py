"""Script-driven scenarios: the script declares its parameters, each scenario a sandboxed run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from meta_agent.errors import ScenarioInvalid
from meta_agent.simulation.scripted import checked_values, declared_parameters
from tests.cli.conftest import CliResult
from tests.needs import unavailable
from tests.simulation.test_runner import expected, independent

SCRIPT = '''"""Portfolio DSCR under the scenario's NOI change."""

from meta_agent.tool_library.analysis_tools import scenario_parameters
from meta_agent.tool_library.data_tools import write_results_json
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

SCENARIO_PARAMETERS = {"noi_change_pct": "number", "label": "text"}

values = scenario_parameters()
if values.get("label") == "boom":
    raise RuntimeError("asked to fail")
factor = 1 + values.get("noi_change_pct", 0) / 100
metrics = fetch_portfolio_metrics()
debt = metrics[metrics["debt_service"] > 0]
dscr = float((debt["noi"] * factor).sum() / debt["debt_service"].sum())
write_results_json({"dscr": dscr, "label": values.get("label", "")})
'''

SCENARIOS = """\
- name: mild
  parameters: {noi_change_pct: -10, label: mild}
- name: severe
  parameters: {noi_change_pct: -30}
- name: typo
  parameters: {noi_chnage_pct: -30}
- name: wrong type
  parameters: {noi_change_pct: "-30"}
- name: crashes
  parameters: {label: boom}
"""


def test_declared_parameters() -> None:
    assert declared_parameters(SCRIPT) == {"noi_change_pct": "number", "label": "text"}
    with pytest.raises(ScenarioInvalid, match="declares no SCENARIO_PARAMETERS"):
        declared_parameters("x = 1\n")
    with pytest.raises(ScenarioInvalid, match="line 1: SCENARIO_PARAMETERS entry 'a': 'float'"):
        declared_parameters('SCENARIO_PARAMETERS = {"a": "float"}\n')
    with pytest.raises(ScenarioInvalid, match="must be a literal dict"):
        declared_parameters("SCENARIO_PARAMETERS = dict(a='number')\n")


def test_values_are_checked_against_the_declaration() -> None:
    declared = {"noi_change_pct": "number", "months": "integer", "flag": "boolean"}
    assert checked_values("ok", {"noi_change_pct": -5, "months": 3, "flag": True}, declared)
    with pytest.raises(ScenarioInvalid, match="Scenario 'x' .*field 'growth': the script takes"):
        checked_values("x", {"growth": 1}, declared)
    with pytest.raises(ScenarioInvalid, match="field 'months': the script takes a integer"):
        checked_values("x", {"months": 2.5}, declared)
    with pytest.raises(ScenarioInvalid, match="field 'noi_change_pct'"):
        checked_values("x", {"noi_change_pct": True}, declared)


def _sandbox() -> None:
    from meta_agent.errors import SandboxUnavailable
    from meta_agent.runtime.executor import choose_backend

    try:
        choose_backend("auto")
    except SandboxUnavailable as exc:
        unavailable(f"no sandbox can start here: {exc}")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_each_scenario_is_a_sandboxed_run(
    cli: Callable[..., CliResult],
    sample_db_path: Path,
    sample_db_url: str,
    tmp_path: Path,
    workers: str,
) -> None:
    _sandbox()
    script, scenarios = tmp_path / "dscr.py", tmp_path / "set.yaml"
    script.write_text(SCRIPT)
    scenarios.write_text(SCENARIOS)
    result = cli(
        "simulate", str(scenarios), "--script", str(script), "--json", "--workers", workers,
        "--database", sample_db_url, "--runs-dir", str(tmp_path / "runs"),
    )  # fmt: skip
    out = result.json()
    assert result.code == 1 and out["status"] == "partial", out
    by_name = {r["scenario"]: r for r in out["results"]}
    assert list(by_name) == ["mild", "severe", "typo", "wrong type", "crashes"]
    props = independent(sample_db_path)
    assert by_name["mild"]["summary"]["dscr"] == pytest.approx(
        expected(props, -10, 0, 0, 0)["dscr"], rel=1e-9
    )
    assert by_name["mild"]["summary"]["label"] == "mild"
    assert by_name["severe"]["summary"]["dscr"] == pytest.approx(
        expected(props, -30, 0, 0, 0)["dscr"], rel=1e-9
    )
    assert "field 'noi_chnage_pct'" in by_name["typo"]["error"]
    assert "the script takes a number" in by_name["wrong type"]["error"]
    assert by_name["crashes"]["status"] == "failed" and by_name["crashes"]["error"]
    assert {"comparison.csv", "simulation.xlsx", "dscr_vs_noi.png"} <= set(out["artifacts"])
    folder = Path(out["run_dir"]) / "scenarios"
    assert (folder / "001-mild" / "results" / "results.json").is_file()
    crashed = (folder / "005-crashes" / "logs" / "run.log").read_text()
    assert "RuntimeError: asked to fail" in crashed
    assert "asked to fail" not in (folder / "001-mild" / "logs" / "run.log").read_text()
    assert json.loads((Path(out["run_dir"]) / "manifest.json").read_text())["status"] == "partial"


def test_a_script_that_fails_validation_is_rejected_once(
    cli: Callable[..., CliResult], sample_db_url: str, tmp_path: Path
) -> None:
    script = tmp_path / "bad.py"
    script.write_text('import os\nSCENARIO_PARAMETERS = {"x": "number"}\nos.remove("x")\n')
    result = cli(
        "simulate", "--script", str(script), "--noi", "-10", "--json",
        "--database", sample_db_url, "--runs-dir", str(tmp_path / "runs"),
    )  # fmt: skip
    assert result.code == 3
    assert result.json()["status"] == "rejected"
    assert "rejected by validation" in result.json()["error"]


def test_the_tool_reads_the_handed_over_values(monkeypatch: pytest.MonkeyPatch) -> None:
    from meta_agent.errors import ToolError
    from meta_agent.simulation.handover import SCENARIO_VARIABLE
    from meta_agent.tool_library.analysis_tools import scenario_parameters

    assert scenario_parameters() == {}  # outside a simulation
    monkeypatch.setenv(SCENARIO_VARIABLE, '{"noi_change_pct": -10, "label": "x"}')
    assert scenario_parameters() == {"noi_change_pct": -10, "label": "x"}
    monkeypatch.setenv(SCENARIO_VARIABLE, "[1, 2]")
    with pytest.raises(ToolError, match="not a JSON object"):
        scenario_parameters()
    monkeypatch.setenv(SCENARIO_VARIABLE, "{oops")
    with pytest.raises(ToolError, match="not JSON"):
        scenario_parameters()
