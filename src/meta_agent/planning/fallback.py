"""FallbackPlanner: ``auto`` mode, the LLM planner first and the offline planner as the floor.

The LLM planner is tried when one is configured; when it is not, or when it fails (unreachable,
out of budget, refused by the checks or by the model itself), the offline planner answers, and
the interpretations say which planner did and why. If the offline planner refuses too, its
refusal names the LLM's failure as well, so nothing is hidden.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from meta_agent.errors import RequestRejected
from meta_agent.llm.base import LLMError
from meta_agent.planning.models import ExecutionPlan, RequirementAnalysis

if TYPE_CHECKING:
    from meta_agent.planning.llm_planner import LLMPlanner, LLMSession
    from meta_agent.planning.planner import Planner


class FallbackPlanner:
    """The LLM planner when it can plan a request, the offline planner when it cannot."""

    name = "auto"

    def __init__(self, offline: Planner, llm: LLMPlanner | None, why_not: str = "") -> None:
        """``llm`` None: no model is configured (``why_not`` says so) and offline plans all."""
        self.offline = offline
        self.llm = llm
        self.why_not = why_not or "no LLM is configured (META_AGENT_LLM_MODEL)"
        self._local = threading.local()

    def last_session(self) -> LLMSession | None:
        """The LLM conversation of this thread's last request, if the LLM was asked."""
        if self.llm is None or not getattr(self._local, "asked_llm", False):
            return None
        return self.llm.last_session()

    def analyse(self, request: str) -> RequirementAnalysis:
        """The LLM's reading; the offline planner's, with a note, when the LLM cannot plan it."""
        self._local.asked_llm = self.llm is not None
        if self.llm is not None:
            try:
                analysis = self.llm.analyse(request)
                self._local.planner = self.llm
                return analysis
            except (LLMError, RequestRejected) as problem:
                note = f"The LLM planner could not plan this ({problem}); the offline planner did."
        else:
            note = f"Planned offline: {self.why_not}."
        self._local.planner = self.offline
        try:
            analysis = self.offline.analyse(request)
        except RequestRejected as refused:
            if self.llm is None:
                raise
            raise RequestRejected(
                f"{refused} (The LLM planner was tried first and could not plan it either.)",
                refused.suggestions,
            ) from refused
        analysis.interpretations.insert(0, note)
        return analysis

    def plan(self, analysis: RequirementAnalysis) -> ExecutionPlan:
        """The plan of whichever planner read the request."""
        planner: Planner = getattr(self._local, "planner", self.offline)
        plan = planner.plan(analysis)
        if planner is self.offline and analysis.interpretations:
            note = analysis.interpretations[0]
            if note not in plan.interpretations:
                plan.interpretations.insert(0, note)
        return plan
