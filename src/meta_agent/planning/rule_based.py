"""RuleBasedPlanner: the offline planner (stub while being written)."""

from __future__ import annotations

from meta_agent.planning.models import ExecutionPlan, RequirementAnalysis
from meta_agent.planning.requirements import RequestParser
from meta_agent.planning.resolve import PortfolioDirectory


class RuleBasedPlanner:
    name = "rule_based"

    def __init__(self, directory: PortfolioDirectory) -> None:
        self.directory = directory
        self.parser = RequestParser(directory)

    def analyse(self, request: str) -> RequirementAnalysis:
        return self.parser.analyse(request)

    def plan(self, analysis: RequirementAnalysis) -> ExecutionPlan:
        raise NotImplementedError
