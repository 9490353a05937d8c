"""Scenarios: the two kinds of parameters, and errors that name the scenario and the field."""

from __future__ import annotations

import pytest

from meta_agent.errors import ScenarioInvalid
from meta_agent.simulation import DealParameters, Scenario, ShockParameters


def test_the_plan_example_builds_deal_scenarios() -> None:
    scenario = Scenario.build("Base Case", {"noi": 1_000_000, "debt_service": 750_000})
    assert scenario.kind == "deal"
    assert isinstance(scenario.parameters, DealParameters)
    assert scenario.parameter_values() == {"noi": 1_000_000.0, "debt_service": 750_000.0}


def test_shock_scenarios_default_unset_shocks_to_zero() -> None:
    scenario = Scenario.build("Stress", {"noi_change_pct": -15, "rate_shift_bp": 100})
    assert scenario.kind == "shock"
    assert isinstance(scenario.parameters, ShockParameters)
    assert scenario.parameters.shocks() == {
        "noi_change_pct": -15.0,
        "rate_shift_bp": 100.0,
        "cap_rate_shift_bp": 0.0,
        "vacancy_change_pts": 0.0,
        "expense_growth_pct": 0.0,
    }
    assert not scenario.parameters.filtered
    assert Scenario.build("R", {"property_types": ["retail"]}).parameters.filtered


@pytest.mark.parametrize(
    ("parameters", "field", "words"),
    [
        ({"nio": 1}, "nio", "unknown parameter"),
        ({"noi": "high", "debt_service": 1}, "noi", "valid number"),
        ({"noi": True, "debt_service": 1}, "noi", "valid number"),
        ({"noi": 1, "debt_service": -5}, "debt_service", "greater than or equal to 0"),
        ({"noi": 1, "loan_amount": 5e6, "interest_rate": 6.5, "amortization_months": 360},
         "interest_rate", "0.065 = 6.5%"),
        ({"noi": 1, "loan_amount": 5e6, "interest_rate": 0.06}, "amortization_months", "interest_only"),
        ({"noi": 1}, "loan_amount", "debt_service"),
        ({"noi": 1, "debt_service": 2, "interest_rate": 0.05}, "interest_rate", "not both"),
        ({"noi": 1, "debt_service": 2, "value": 10, "cap_rate": 0.05}, "cap_rate", "not both"),
        ({"noi": 1, "debt_service": 2, "occupancy": 1.5}, "occupancy", "less than or equal to 1"),
        ({"noi": 1, "debt_service": 2, "amortization_months": 360.5}, "amortization_months", "integer"),
        ({"noi_change_pct": -150}, "noi_change_pct", "greater than or equal to -100"),
        ({"noi_change_pct": float("nan")}, "noi_change_pct", "finite"),
        ({"vacancy_change_pts": 120}, "vacancy_change_pts", "less than or equal to 100"),
        ({"rate_shift_bp": "100"}, "rate_shift_bp", "valid number"),
        ({"noi": 1, "debt_service": 2, "rate_shift_bp": 100}, "rate_shift_bp", "not both"),
        ({"property_types": "retail"}, "property_types", "valid list"),
    ],
)  # fmt: skip
def test_errors_name_the_scenario_and_the_field(
    parameters: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ScenarioInvalid) as caught:
        Scenario.build("Downside", parameters, line=7, where="set.yaml")
    message = str(caught.value)
    assert message.startswith("Scenario 'Downside' (set.yaml, line 7): field "), message
    assert f"field {field!r}" in message
    assert words in message
    assert caught.value.scenario == "Downside"
    assert caught.value.field == field
    assert caught.value.exit_code == 2


def test_a_scenario_needs_a_name_and_only_name_and_parameters() -> None:
    with pytest.raises(ScenarioInvalid, match="field 'name'"):
        Scenario.build("  ", {"noi_change_pct": -10})
    with pytest.raises(ScenarioInvalid, match="Scenario 'x': field 'shocks'"):
        Scenario.from_mapping({"name": "x", "shocks": {}})
    with pytest.raises(ScenarioInvalid, match="field 'parameters'"):
        Scenario.from_mapping({"name": "x", "parameters": [1, 2]})
    with pytest.raises(ScenarioInvalid, match="Scenario '#3'"):
        Scenario.from_mapping("noi -10", index=2)
