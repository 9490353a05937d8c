"""The planner interface: a request in, a RequirementAnalysis; an analysis in, an ExecutionPlan.

Implementations: ``rule_based.RuleBasedPlanner`` (offline, deterministic). An LLM planner can
take its place behind the same two methods.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from meta_agent.planning.models import ExecutionPlan, RequirementAnalysis


@runtime_checkable
class Planner(Protocol):
    """Understands requests and plans them as calls of registered tools."""

    name: str

    def analyse(self, request: str) -> RequirementAnalysis:
        """What the request asks for; raises RequestRejected when it cannot be done."""
        ...

    def plan(self, analysis: RequirementAnalysis) -> ExecutionPlan:
        """Ordered tool calls (and the files they leave) that answer the analysis."""
        ...
