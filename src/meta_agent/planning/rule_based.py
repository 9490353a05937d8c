"""RuleBasedPlanner: the offline, deterministic planner.

``analyse`` reads the request with ``requirements.RequestParser``; ``plan`` turns the analysis into
tool calls, one recipe per intent (``table_recipes``, ``analysis_recipes``; the shared steps are in
``plan_steps.PlanBuilder``). The same analysis always gives the same plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from meta_agent.errors import RequestRejected
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD as DEFAULT_THRESHOLD
from meta_agent.planning import analysis_recipes as analyses
from meta_agent.planning import table_recipes as tables
from meta_agent.planning.models import ExecutionPlan, RequirementAnalysis
from meta_agent.planning.plan_steps import PlanBuilder
from meta_agent.planning.requirements import RequestParser
from meta_agent.planning.resolve import PortfolioDirectory
from meta_agent.planning.vocabulary import METRICS, MetricInfo

if TYPE_CHECKING:
    from meta_agent.tool_library.tool_registry import ToolRegistry

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
        self,
        directory: PortfolioDirectory,
        at_risk_threshold: float | None = None,
        registry: ToolRegistry | None = None,
    ) -> None:
        """``at_risk_threshold``: the default DSCR threshold, from Settings.at_risk_threshold
        (META_AGENT_AT_RISK_THRESHOLD); DOMAIN.md's 1.25 when not given. ``registry``: the
        tools a plan may call; metrics its tools declare (plug-ins included) become askable,
        and an analysis no registered tool serves is refused."""
        self.directory = directory
        self.registry = registry
        self.metric_tools = declare_metrics(registry) if registry is not None else {}
        threshold = DEFAULT_THRESHOLD if at_risk_threshold is None else at_risk_threshold
        self.parser = RequestParser(directory, threshold, extra_metrics=self.metric_tools)

    def analyse(self, request: str) -> RequirementAnalysis:
        """What the request asks for; RequestRejected when it cannot be done."""
        return self.parser.analyse(request)

    def plan(self, analysis: RequirementAnalysis) -> ExecutionPlan:
        """The tool calls that answer the analysis."""
        if self.registry is not None and not self.registry.serving(analysis.intent):
            raise RequestRejected(
                f"No registered tool answers {analysis.intent} questions in this installation.",
                [],
            )
        builder = PlanBuilder(analysis, self.directory, self.metric_tools)
        recipe: Callable[[PlanBuilder], ExecutionPlan] = RECIPES[analysis.intent]
        return recipe(builder)


def declare_metrics(registry: ToolRegistry) -> dict[str, str]:
    """Metrics the registry's tools declare, by name -> the tool that adds them.

    A metric the vocabulary does not know yet (a plug-in's) joins ``METRICS`` so that it can be
    labelled, filtered and ranked like a built-in one; built-in metrics keep their meaning.
    """
    found: dict[str, str] = {}
    for name, (tool, metric) in registry.declared_metrics().items():
        if name in METRICS and not METRICS[name].declared_by:
            continue  # a built-in metric: the metrics table already has it
        METRICS[name] = MetricInfo(
            metric.label,
            metric.unit,
            metric.higher_is_better,
            in_metrics_table=False,
            portfolio_monthly=False,
            synonyms=(metric.label, name.replace("_", " "), *metric.synonyms),
            declared_by=tool.name,
        )
        found[name] = tool.name
    return found
