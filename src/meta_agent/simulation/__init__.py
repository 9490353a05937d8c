"""Scenario simulation: NOI and interest-rate shocks over a portfolio, vectorised."""

from meta_agent.simulation.scenarios import (
    BASE,
    BASE_SCENARIO,
    LoanBook,
    Scenario,
    ScenarioGrid,
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
    "LoanBook",
    "Scenario",
    "ScenarioGrid",
    "parse_scenarios",
    "pivot_dscr",
    "scenario_table",
    "simulate",
    "summarize",
    "summary_arrays",
]
