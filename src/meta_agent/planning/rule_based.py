"""RuleBasedPlanner: the offline, deterministic planner.

``analyse`` reads the request with ``requirements.RequestParser``; ``plan`` turns the analysis into
tool calls, one recipe per intent (``table_recipes``, ``analysis_recipes``; the shared steps are in
``plan_steps.PlanBuilder``). The same analysis always gives the same plan.
"""

from __future__ import annotations

from collections.abc import Callable

from meta_agent.planning import analysis_recipes as analyses
from meta_agent.planning import table_recipes as tables
from meta_agent.planning.models import ExecutionPlan, RequirementAnalysis
from meta_agent.planning.plan_steps import PlanBuilder
from meta_agent.planning.requirements import RequestParser
from meta_agent.planning.resolve import PortfolioDirectory

RECIPES: dict[str, Callable[[PlanBuilder], ExecutionPlan]] = {
    "metrics": tables.plan_metrics,
    "ranking": tables.plan_ranking,
    "aggregation": tables.plan_aggregation,
    "count": tables.plan_count,
    "scenario": analyses.plan_scenario,
    "comparison": analyses.plan_comparison,
    "trend": analyses.plan_trend,
    "outliers": analyses.plan_outliers,
    "correlation": analyses.plan_correlation,
    "report": analyses.plan_report,
    "loans": tables.plan_loans,
}


class RuleBasedPlanner:
    """Plans requests about one portfolio without a language model."""

    name = "rule_based"

    def __init__(
        self, directory: PortfolioDirectory, at_risk_threshold: float | None = None
    ) -> None:
        """``at_risk_threshold``: the default DSCR threshold, from Settings.at_risk_threshold
        (META_AGENT_AT_RISK_THRESHOLD); DOMAIN.md's 1.25 when not given."""
        self.directory = directory
        self.parser = (
            RequestParser(directory)
            if at_risk_threshold is None
            else RequestParser(directory, at_risk_threshold)
        )

    def analyse(self, request: str) -> RequirementAnalysis:
        """What the request asks for; RequestRejected when it cannot be done."""
        return self.parser.analyse(request)

    def plan(self, analysis: RequirementAnalysis) -> ExecutionPlan:
        """The tool calls that answer the analysis."""
        builder = PlanBuilder(analysis, self.directory)
        recipe: Callable[[PlanBuilder], ExecutionPlan] = RECIPES[analysis.intent]
        return recipe(builder)
