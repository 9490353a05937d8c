"""Simulation: scenarios (deal values or portfolio shocks), the runner, Monte Carlo, vectorised.

The public names are imported on first use: the scenario tools import ``simulation.scenarios``
inside the sandbox, and should not pay for the runner, the loaders and their dependencies.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meta_agent.simulation.loading import (
        ScenarioFile,
        load_scenario_file,
        parse_grid,
        scenarios_from_lists,
    )
    from meta_agent.simulation.parameters import DealParameters, Scenario, ShockParameters
    from meta_agent.simulation.runner import BatchResult, ScenarioResult, SimulationRunner
    from meta_agent.simulation.scenarios import (
        BASE,
        BASE_SCENARIO,
        LoanBook,
        ScenarioGrid,
        Shock,
        parse_scenarios,
        pivot_dscr,
        scenario_table,
        simulate,
        summarize,
        summary_arrays,
    )

_EXPORTS = {
    "BASE": "scenarios",
    "BASE_SCENARIO": "scenarios",
    "BatchResult": "runner",
    "DealParameters": "parameters",
    "LoanBook": "scenarios",
    "Scenario": "parameters",
    "ScenarioFile": "loading",
    "ScenarioGrid": "scenarios",
    "ScenarioResult": "runner",
    "Shock": "scenarios",
    "ShockParameters": "parameters",
    "SimulationRunner": "runner",
    "load_scenario_file": "loading",
    "parse_grid": "loading",
    "parse_scenarios": "scenarios",
    "pivot_dscr": "scenarios",
    "scenario_table": "scenarios",
    "scenarios_from_lists": "loading",
    "simulate": "scenarios",
    "summarize": "scenarios",
    "summary_arrays": "scenarios",
}

__all__ = [
    "BASE",
    "BASE_SCENARIO",
    "BatchResult",
    "DealParameters",
    "LoanBook",
    "Scenario",
    "ScenarioFile",
    "ScenarioGrid",
    "ScenarioResult",
    "Shock",
    "ShockParameters",
    "SimulationRunner",
    "load_scenario_file",
    "parse_grid",
    "parse_scenarios",
    "pivot_dscr",
    "scenario_table",
    "scenarios_from_lists",
    "simulate",
    "summarize",
    "summary_arrays",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"meta_agent.simulation.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'meta_agent.simulation' has no attribute {name!r}")
