"""Simulation: scenarios (deal values or portfolio shocks), the runner, Monte Carlo, vectorised."""

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
