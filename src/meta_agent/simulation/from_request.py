"""Scenarios from a plain-English request ("what if NOI falls 15% and rates rise 100 bp").

The request is read by the planner's own parser, so a request means the same here as in
``meta-agent ask``: its NOI and rate shocks become shock scenarios (NOI and rate shocks asked
together are combined pairwise, as the planner does), its property types, markets and named
properties become the scenarios' filters, and every interpretation is reported. A request that
names no shock, or narrows the portfolio in a way scenarios cannot (by city, state, debt), is
refused with what to write instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meta_agent.errors import ScenarioInvalid
from meta_agent.simulation.loading import shock_name
from meta_agent.simulation.parameters import Scenario


@dataclass(frozen=True)
class RequestScenarios:
    """The scenarios a request asked for, its threshold, and how it was understood."""

    scenarios: list[Scenario]
    threshold: float
    interpretations: list[str]


def scenarios_from_request(
    text: str, database_url: str | None = None, default_threshold: float | None = None
) -> RequestScenarios:
    """Read ``text`` with the planner's parser over the portfolio at ``database_url``; the
    threshold is the one the request names, else ``default_threshold`` (the setting in force)."""
    from meta_agent.planning.directory import PortfolioDirectory
    from meta_agent.planning.rule_based import RuleBasedPlanner

    planner = RuleBasedPlanner(
        PortfolioDirectory.from_database(database_url), at_risk_threshold=default_threshold
    )
    analysis = planner.analyse(text)
    if not analysis.scenarios:
        raise ScenarioInvalid(
            f"The request {text!r} names no NOI or rate shock; write e.g. 'what if NOI falls 15% "
            "and rates rise 100 bp', or use --noi/--rate/--grid.",
            "request",
            "request",
        )
    scope = analysis.scope
    unsupported = [name for name in ("cities", "states") if getattr(scope, name)] + (
        ["has_debt"] if scope.has_debt is not None else []
    )
    if unsupported:
        raise ScenarioInvalid(
            f"The request narrows the portfolio by {', '.join(unsupported)}; a scenario filters "
            "by property type, market or property only. Name a market (e.g. 'Dallas, TX') instead.",
            "request",
            unsupported[0],
        )
    filters: dict[str, Any] = {}
    if scope.property_types:
        filters["property_types"] = list(scope.property_types)
    if scope.markets:
        filters["markets"] = list(scope.markets)
    if scope.property_ids:
        filters["property_ids"] = list(scope.property_ids)
    scenarios = []
    for shock in analysis.scenarios:
        shocks = {"noi_change_pct": -shock.noi_shock_pct, "rate_shift_bp": shock.rate_shock_bp}
        shocks = {k: v + 0.0 for k, v in shocks.items() if v}
        scenarios.append(Scenario.build(shock_name(shocks), shocks | filters, where="request"))
    return RequestScenarios(scenarios, analysis.threshold, list(analysis.interpretations))
