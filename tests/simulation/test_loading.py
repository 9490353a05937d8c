"""Scenario sets from YAML and JSON files (errors with their line), CLI lists and grids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meta_agent.errors import ScenarioInvalid
from meta_agent.simulation import load_scenario_file, parse_grid, scenarios_from_lists

PLAN_YAML = """\
# the architecture plan's example
scenarios:
  - name: Base Case
    parameters: {noi: 1000000, debt_service: 750000}
  - name: Pessimistic
    parameters:
      noi: 800000
      debt_service: 750000
  - name: Optimistic
    parameters: {noi: 1200000, debt_service: 750000}
threshold: 1.2
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_yaml_file_with_lines_and_threshold(tmp_path: Path) -> None:
    loaded = load_scenario_file(write(tmp_path, "plan.yaml", PLAN_YAML))
    assert [s.name for s in loaded.scenarios] == ["Base Case", "Pessimistic", "Optimistic"]
    assert [s.line for s in loaded.scenarios] == [3, 5, 9]
    assert loaded.threshold == 1.2


def test_json_list_file(tmp_path: Path) -> None:
    specs = [{"name": "Stress", "parameters": {"noi_change_pct": -15, "rate_shift_bp": 100}}]
    loaded = load_scenario_file(write(tmp_path, "s.json", json.dumps(specs, indent=2)))
    assert loaded.scenarios[0].parameters.model_dump()["noi_change_pct"] == -15.0
    assert loaded.scenarios[0].line == 2
    assert loaded.threshold is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PLAN_YAML.replace("noi: 800000", "noi: lots"),
         "Scenario 'Pessimistic' (bad.yaml, line 7): field 'noi': input should be a valid number"),
        (PLAN_YAML.replace("{noi: 1000000, debt_service", "{noi: 1000000, debt_srvice"),
         "Scenario 'Base Case' (bad.yaml, line 4): field 'debt_srvice': unknown parameter"),
        (PLAN_YAML.replace("name: Optimistic", "name: Pessimistic"),
         "Scenario 'Pessimistic' (bad.yaml, line 9): field 'name': the name is already used (line 5)"),
        (PLAN_YAML.replace("threshold: 1.2", "threshold: -1"),
         "bad.yaml, line 11: field 'threshold'"),
        (PLAN_YAML.replace("threshold: 1.2", "seed: 4"), "bad.yaml, line 11: unknown key 'seed'"),
        (PLAN_YAML.replace("      noi: 800000\n", "      noi: 800000\n      noi: 1\n"),
         "bad.yaml, line 8: the key 'noi' appears twice"),
        ("scenarios:\n  - name: a\n    parameters: {noi: [1,\n", "bad.yaml, line 4: not valid YAML"),
        ("scenarios: []\n", "non-empty list"),
    ],
)  # fmt: skip
def test_yaml_errors_carry_the_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario_file(write(tmp_path, "bad.yaml", text))
    assert expected in str(caught.value)


def test_json_errors_carry_the_line(tmp_path: Path) -> None:
    broken = '[\n  {"name": "a",\n   "parameters": {"noi_change_pct": -10,}}\n]\n'
    with pytest.raises(ScenarioInvalid, match=r"s.json, line 3: not valid JSON"):
        load_scenario_file(write(tmp_path, "s.json", broken))
    wrong = '[\n  {"name": "a",\n   "parameters": {\n     "rate_shift_bp": "high"}}\n]\n'
    with pytest.raises(
        ScenarioInvalid, match=r"Scenario 'a' \(s.json, line 4\): field 'rate_shift_bp'"
    ):
        load_scenario_file(write(tmp_path, "s.json", wrong))


def test_grid_is_the_cross_product() -> None:
    scenarios = parse_grid("NOI -10..-40 step 10 x rates 0..300 step 100")
    assert len(scenarios) == 16
    pairs = [
        (s.parameters.model_dump()["noi_change_pct"], s.parameters.model_dump()["rate_shift_bp"])
        for s in scenarios
    ]
    assert pairs == [(n, r) for n in (-10, -20, -30, -40) for r in (0, 100, 200, 300)]
    assert scenarios[0].name == "noi-10%"
    assert scenarios[1].name == "noi-10%_rate+100bp"


def test_grid_forms_and_errors() -> None:
    assert len(parse_grid("noi -5,-10 × vacancy 0..10 step 5 x expenses 3")) == 6
    assert [s.name for s in parse_grid("cap 0..50 step 25")] == ["base", "cap+25bp", "cap+50bp"]
    assert len(parse_grid("noi 0..-1 step 0.1")) == 11  # no float noise drops the end
    with pytest.raises(ScenarioInvalid, match="Unknown shock 'nois'"):
        parse_grid("nois -10..-40 step 10")
    with pytest.raises(ScenarioInvalid, match="step of 0"):
        parse_grid("noi -10..-40 step 0")
    with pytest.raises(ScenarioInvalid, match="names 'noi' twice"):
        parse_grid("noi -10 x noi -20")
    with pytest.raises(ScenarioInvalid, match="more than the limit"):
        parse_grid("noi 0..-100 step 0.001 x rate 0..100 step 1")
    with pytest.raises(
        ScenarioInvalid, match=r"Scenario 'noi-150%' \(grid\): field 'noi_change_pct'"
    ):
        parse_grid("noi -150")


def test_cli_lists_give_one_factor_scenarios() -> None:
    scenarios = scenarios_from_lists({"noi": "-10,-20,-30", "rate": "+100,+200", "cap": None})
    assert [s.name for s in scenarios] == [
        "noi-10%", "noi-20%", "noi-30%", "rate+100bp", "rate+200bp",
    ]  # fmt: skip
    with pytest.raises(ScenarioInvalid, match="Cannot read the numbers in --rate"):
        scenarios_from_lists({"rate": "+100,lots"})
