"""LLMPlanner: a language model proposes the plan; the registry, the generator and the validator judge it.

``analyse`` sends the request with the tools, the definitions and the portfolio's directory (as
data) and gets one JSON object back (``llm_answer``). Every answer is checked: its schema, every
step against the registry (``llm_checks``), then the script rendered from it by the same
``ScriptGenerator`` and judged by the same ``ScriptValidator`` as any other. An answer that fails
goes back to the model with the problems, at most ``max_repairs`` times; then the request is
refused with what went wrong (``RequestRejected``). The model's prose never reaches the
restatement, which is generated from the checked plan (``llm_restate``).

A provider that cannot be reached, or a spent budget, raises ``LLMUnavailable`` /
``LLMBudgetExceeded`` from the client unchanged; ``fallback.FallbackPlanner`` turns them (and
refusals) into the offline planner's answer in ``auto`` mode.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from meta_agent.errors import Finding, RequestRejected
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
from meta_agent.llm.base import Budget, ChatMessage, LLMClient, StructuredReply, Transcript
from meta_agent.planning.directory import PortfolioDirectory
from meta_agent.planning.llm_answer import SCHEMA_NAME, PlanAnswer, answer_schema, parse_answer
from meta_agent.planning.llm_checks import check_steps, expected_outputs
from meta_agent.planning.llm_prompt import context_message, repair_message, system_message
from meta_agent.planning.llm_restate import restate_plan
from meta_agent.planning.models import ExecutionPlan, OutputKind, RequirementAnalysis
from meta_agent.scripting.generate import CUSTOM_BANNER, CUSTOM_END, ScriptGenerator
from meta_agent.scripting.validate import ScriptValidator
from meta_agent.tool_library.tool_registry import ToolRegistry

logger = logging.getLogger(__name__)

DEFAULT_MAX_REPAIRS = 2  # Settings.llm_max_repairs: answers sent back with their problems
MAX_TEXT = 400  # the model's own sentences kept in interpretations, each cut to this length
MAX_PROBLEMS_SHOWN = 6  # problems quoted in a refusal (all of them go to the model)


@dataclass
class LLMSession:
    """One request's conversation with the model: usage, repairs and the transcript."""

    request: str
    provider: str
    model: str
    budget: Budget
    transcript: Transcript = field(default_factory=Transcript)
    replies: list[StructuredReply] = field(default_factory=list)
    repairs: int = 0

    def usage(self) -> dict[str, Any]:
        """The manifest's ``llm`` record (``runs stats`` reads it)."""
        costs = [r.cost_usd for r in self.replies if r.cost_usd is not None]
        return {
            "provider": self.provider,
            "model": self.model,
            "calls": max(self.budget.calls, len(self.replies)),
            "tokens_in": sum(r.tokens_in for r in self.replies),
            "tokens_out": sum(r.tokens_out for r in self.replies),
            "latency_s": round(sum(r.latency_s for r in self.replies), 4),
            "cost_usd": round(sum(costs), 6) if costs else None,
            "repairs": self.repairs,
        }


@dataclass
class _Judged:
    """One answer after the checks: the typed answer and plan, or what is wrong with it."""

    answer: PlanAnswer | None = None
    plan: ExecutionPlan | None = None
    problems: list[str] = field(default_factory=list)


class LLMPlanner:
    """Plans requests with a language model, checked as strictly as any script."""

    name = "llm"

    def __init__(
        self,
        client: LLMClient,
        directory: PortfolioDirectory,
        registry: ToolRegistry,
        *,
        max_repairs: int = DEFAULT_MAX_REPAIRS,
        new_budget: Callable[[], Budget] = Budget,
        at_risk_threshold: float | None = None,
        sql_dialect: str | None = None,
    ) -> None:
        """``new_budget``: a fresh budget per request (``llm.factory.budget_from``).
        ``sql_dialect``: the dialect the validator judges SQL in (the database scripts run on)."""
        self.client = client
        self.directory = directory
        self.registry = registry
        self.max_repairs = max(0, max_repairs)
        self.new_budget = new_budget
        self.threshold = (
            DEFAULT_AT_RISK_THRESHOLD if at_risk_threshold is None else at_risk_threshold
        )
        self.generator = ScriptGenerator(registry)
        self.validator = ScriptValidator(registry, sql_dialect=sql_dialect)
        self._local = threading.local()  # the service plans on several threads at once

    def last_session(self) -> LLMSession | None:
        """The conversation of this thread's last ``analyse`` (planned, refused or failed)."""
        session: LLMSession | None = getattr(self._local, "session", None)
        return session

    def analyse(self, request: str) -> RequirementAnalysis:
        """Ask the model, check its plan (repairing it), and say what will be computed."""
        session = LLMSession(request, self.client.provider, self.client.model, self.new_budget())
        self._local.session = session
        self._local.plan = None
        answer, plan = self._converse(request, session)
        self._local.plan = plan
        kinds: list[OutputKind] = ["table"]
        kinds += [o.kind for o in plan.outputs if o.kind not in kinds]
        return RequirementAnalysis(
            request=request,
            goal=plan.goal,
            intent=answer.intent,
            outputs=kinds,
            interpretations=list(plan.interpretations),
            restatement=plan.restatement,
        )

    def plan(self, analysis: RequirementAnalysis) -> ExecutionPlan:
        """The checked plan behind ``analysis`` (planned again if it came from elsewhere)."""
        plan: ExecutionPlan | None = getattr(self._local, "plan", None)
        if plan is None or plan.request != analysis.request:
            self.analyse(analysis.request)
            plan = self._local.plan
        assert plan is not None  # analyse() either set it or raised
        return plan

    # --- the conversation -----------------------------------------------------------------------

    def _converse(self, request: str, session: LLMSession) -> tuple[PlanAnswer, ExecutionPlan]:
        messages = [
            ChatMessage("system", system_message(self.threshold)),
            ChatMessage("user", context_message(request, self.registry, self.directory)),
        ]
        schema = answer_schema()
        judged = _Judged()
        for attempt in range(self.max_repairs + 1):
            reply = self.client.complete(
                messages,
                schema=schema,
                schema_name=SCHEMA_NAME,
                budget=session.budget,
                transcript=session.transcript,
            )
            session.replies.append(reply)
            judged = self._judge(request, reply, session)
            if judged.answer is not None and judged.answer.refusal:
                raise RequestRejected(
                    f"The LLM planner could not plan this request: {_cut(judged.answer.refusal)}"
                )
            if judged.plan is not None and not judged.problems:
                assert judged.answer is not None
                return judged.answer, judged.plan
            logger.info(
                "llm plan refused by the checks",
                extra={"attempt": attempt, "problems": len(judged.problems)},
            )
            if attempt < self.max_repairs:
                session.repairs += 1
                messages += [
                    ChatMessage("assistant", reply.raw),
                    ChatMessage(
                        "user", repair_message(judged.problems, attempt + 1, self.max_repairs)
                    ),
                ]
        raise RequestRejected(_refusal(judged.problems, self.max_repairs))

    def _judge(self, request: str, reply: StructuredReply, session: LLMSession) -> _Judged:
        """Schema, steps, then the generated script: every problem, as the model should read it."""
        if reply.data is None:
            return _Judged(problems=[f"the answer is not a JSON object: {reply.error or 'empty'}"])
        answer, problems = parse_answer(reply.data)
        if answer is None:
            return _Judged(problems=problems)
        if answer.refusal:
            return _Judged(answer=answer)
        problems = check_steps(answer.steps, self.registry, self.directory)
        if problems:
            return _Judged(answer=answer, problems=problems)
        plan = ExecutionPlan(
            request=request,
            goal=_cut(answer.goal) or "Analysis planned by the LLM",
            steps=answer.steps,
            outputs=expected_outputs(answer.steps, self.registry),
            interpretations=self._interpretations(answer, session),
            planner=self.name,
        )
        plan.restatement = restate_plan(plan, self.registry, self.directory)
        try:
            source = self.generator.render(plan, plan.content_hash())
        except ValueError as exc:
            return _Judged(answer=answer, problems=[f"no script can be generated: {exc}"])
        findings = self.validator.validate(source)
        if findings:
            return _Judged(answer=answer, problems=[_finding(f, source) for f in findings])
        return _Judged(answer=answer, plan=plan)

    def _interpretations(self, answer: PlanAnswer, session: LLMSession) -> list[str]:
        notes = [
            f"Planned by the LLM ({self.client.provider}, {self.client.model}), which read the "
            f"request as: {_cut(answer.understood)}"
        ]
        notes += [f"The model assumed: {_cut(text)}" for text in answer.assumptions[:8]]
        if session.repairs:
            notes.append(
                f"The model's first answer failed the checks; it was repaired "
                f"{session.repairs} time(s) before passing."
            )
        custom = [step.id for step in answer.steps if step.is_custom]
        if custom:
            notes.append(
                f"Step(s) {', '.join(custom)} are CUSTOM CODE written by the model, not registered "
                "tools; they passed the same validator and run in the same sandbox."
            )
        return notes


def _refusal(problems: list[str], repairs: int) -> str:
    """Why the request is refused after the last repair, quoting the first problems."""
    shown = [problem.rstrip(".") for problem in problems[:MAX_PROBLEMS_SHOWN]]
    more = f"; and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    tries = f"after {repairs} repair(s)" if repairs else "(repairs are off)"
    return (
        f"The LLM planner's plan failed its checks {tries}: {'; '.join(shown)}{more}. Nothing "
        "ran. Rephrase the request, or try --planner offline."
    )


def _cut(text: str) -> str:
    """The model's text on one line, at most MAX_TEXT characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_TEXT else flat[: MAX_TEXT - 1] + "…"


def _finding(finding: Finding, source: str) -> str:
    """A validator finding, with the step (custom or not) whose line it is on."""
    lines = source.splitlines()
    where = "the script"
    after_custom = False  # scanning up from below a custom block: skip it whole
    for index in range(min(finding.line, len(lines)) - 1, -1, -1):
        text = lines[index].strip()
        if text.startswith(f"# {CUSTOM_END}"):
            after_custom = True
        elif text.startswith(f"# {CUSTOM_BANNER}") and after_custom:
            after_custom = False
        elif text.startswith(f"# {CUSTOM_BANNER}"):
            step = text.removeprefix(f"# {CUSTOM_BANNER}").split()[0]
            where = f"custom step {step}"
            break
        if text.startswith('logger.info("Step '):
            where = text.removeprefix('logger.info("').split(":")[0].lower()
            break
    line = lines[finding.line - 1].strip() if 0 < finding.line <= len(lines) else ""
    return f"validator, {where}, line `{line}`: {finding.message} (rule {finding.rule})"
