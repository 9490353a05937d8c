"""Runs held for approval: proposed now, run (or settled) later, in the same run folder.

The service's side of a run, kept out of ``Pipeline`` so that the conductor reads as one path
(request, analysis, plan, script, sandbox, results, archive). These steps reuse the pipeline's
own: the same preparation, the same recording, the same execution.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from meta_agent.archive.history import RunHistory
from meta_agent.archive.record import now_iso
from meta_agent.archive.run_folder import RunFolder
from meta_agent.errors import Finding, MetaAgentError, ScriptRejected
from meta_agent.pipeline import LogSink, RunOutcome, TickSink, _RunRecord, _timed

if TYPE_CHECKING:
    from meta_agent.pipeline import Pipeline

AWAITING_APPROVAL = "awaiting_approval"  # a proposed run, planned and validated, not yet run


class HeldRuns:
    """Propose, run once approved, or settle the runs of one pipeline."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def propose(self, request: str) -> RunOutcome:
        """Prepare a request in a run folder of its own and leave it ``awaiting_approval``.

        The service's first step: the plan and script are on the record before anyone approves
        them, and ``run_approved`` later runs them in the same folder. Refused: ``rejected``.
        """
        pipeline = self.pipeline
        folder = RunFolder.create(pipeline.runs_dir, request)
        folder.write_text("request.txt", request.strip() + "\n")
        run = _RunRecord(folder, "ask", request, now_iso(), time.perf_counter())
        outcome = RunOutcome(status="succeeded", run_id=folder.run_id, run_dir=folder.root)
        outcome.dry_run = True  # the steps stop before execution
        with pipeline._recorded(run, outcome):
            pipeline._ask_steps(run, outcome, None, None, None, None)
            outcome.dry_run = False
            if outcome.status == "succeeded":
                outcome.status = AWAITING_APPROVAL
        return outcome

    def propose_script(self, source: str, title: str = "script") -> RunOutcome:
        """Validate a hand-written script in a run folder of its own; ``awaiting_approval`` if clean."""
        pipeline = self.pipeline
        folder = RunFolder.create(pipeline.runs_dir, title)
        folder.write_text("request.txt", title + "\n")
        folder.write_text("script.py", source)
        run = _RunRecord(folder, "exec", title, now_iso(), time.perf_counter())
        outcome = RunOutcome(
            status="succeeded", run_id=folder.run_id, run_dir=folder.root, script=folder.script
        )
        with pipeline._recorded(run, outcome):
            self._check_held(run, outcome, source)
            if outcome.status == "succeeded":
                outcome.status = AWAITING_APPROVAL
        return outcome

    def run_approved(
        self, run_id: str, on_log: LogSink | None = None, on_tick: TickSink | None = None
    ) -> RunOutcome:
        """Run the script of a proposed run in its own folder, validated again first.

        The script may have been edited since it was proposed; what runs is what is checked.
        """
        pipeline = self.pipeline
        folder, run, outcome = self._reopen(run_id)
        with pipeline._recorded(run, outcome):
            source = folder.script.read_text(encoding="utf-8")
            self._check_held(run, outcome, source)
            if outcome.status != "succeeded":
                return outcome
            expected = [o.filename for o in run.plan.outputs] if run.plan is not None else None
            tools = run.plan.tools_used() if run.plan is not None else run.tools
            try:
                pipeline.ensure_database()
            except MetaAgentError as problem:
                outcome.status, outcome.error = "failed", str(problem)
                outcome.error_exit_code = problem.exit_code
                return outcome
            pipeline._execute(folder, outcome, tools, expected, on_log, on_tick)
        return outcome

    def settle(self, run_id: str, status: str, error: str) -> RunOutcome:
        """Close a held or abandoned run without running it (rejected, cancelled, lost)."""
        _, run, outcome = self._reopen(run_id)
        outcome.status, outcome.error = status, error
        outcome.artifacts = run.folder.artifacts()
        self.pipeline._finish(run, outcome)
        return outcome

    def check_script(self, source: str) -> list[Finding]:
        """Every validation finding in ``source`` (empty: it may run), as a run would judge it."""
        from meta_agent.scripting.validate import ScriptValidator

        pipeline = self.pipeline
        return ScriptValidator(pipeline.registry, sql_dialect=pipeline.sql_dialect).validate(source)

    def _reopen(self, run_id: str) -> tuple[RunFolder, _RunRecord, RunOutcome]:
        from meta_agent.planning.models import ExecutionPlan

        pipeline = self.pipeline
        with RunHistory(pipeline.runs_dir, pipeline.settings.history_url) as history:
            record = history.get(run_id)
        folder = RunFolder(Path(record.run_dir))
        plan_data = folder.read_json("plan.json")
        plan = ExecutionPlan.model_validate(plan_data) if plan_data is not None else None
        run = _RunRecord(
            folder, record.kind, record.request, record.created_at, time.perf_counter(), plan
        )
        run.tools = list(record.tools_used)
        manifest = folder.read_json("manifest.json") or {}
        run.planner, run.llm = manifest.get("planner"), manifest.get("llm")
        outcome = RunOutcome(
            status="succeeded",
            run_id=record.run_id,
            run_dir=folder.root,
            script=folder.script if folder.script.exists() else None,
            interpretations=list(manifest.get("interpretations", [])),
            phases={
                k: float(v) for k, v in manifest.get("phases_seconds", {}).items() if k != "total"
            },
        )
        return folder, run, outcome

    def _check_held(self, run: _RunRecord, outcome: RunOutcome, source: str) -> None:
        from meta_agent.scripting.imports import tools_imported
        from meta_agent.scripting.validate import ScriptValidator

        pipeline = self.pipeline
        if run.plan is None:
            run.tools = tools_imported(source, pipeline.registry)
        with _timed(outcome.phases, "validate"):
            findings = ScriptValidator(
                pipeline.registry, sql_dialect=pipeline.sql_dialect
            ).validate(source)
        if findings:
            outcome.status = "rejected"
            outcome.findings = findings
            outcome.error = str(ScriptRejected(findings, "script"))
