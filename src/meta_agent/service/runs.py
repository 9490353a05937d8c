"""The service's runs: propose, approve, reject, cancel, execute in the background, recover.

The pipeline does the work (``HeldRuns.propose``, ``run_approved``, ``settle``); this module
decides who may do what and when, keeps the status in the run history at every step, and hands
execution to the workers.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_agent.archive.history import RunHistory, RunRecord
from meta_agent.archive.run_folder import RunFolder
from meta_agent.errors import ActionNotAllowed, Finding, Interrupted, RunNotFound
from meta_agent.service.alerts import Alerts
from meta_agent.service.held import HeldRuns
from meta_agent.service.metrics import ServiceMetrics
from meta_agent.service.store import HELD, QUEUED, RUNNING, ServiceStore, User
from meta_agent.service.workers import Workers

if TYPE_CHECKING:
    from meta_agent.pipeline import Pipeline, RunOutcome

logger = logging.getLogger(__name__)

LOST_MESSAGE = (
    "The service stopped while this run was running (its worker is gone); nothing of it is "
    "trusted: submit it again."
)


class StopRequested(Interrupted):
    """A cancel asked for through the service; travels up like Ctrl-C, so the run is recorded."""

    def __init__(self, why: str) -> None:
        super().__init__(signal.SIGTERM)
        self.why = why

    @property
    def reason(self) -> str:
        return self.why


@dataclass
class RunView:
    """A run as the API shows it."""

    record: RunRecord
    owner: str | None

    def folder(self) -> RunFolder:
        return RunFolder(Path(self.record.run_dir))


class RunService:
    """Runs for many users: every action checks the run's owner and its status."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: ServiceStore,
        workers: Workers,
        metrics: ServiceMetrics,
        alerts: Alerts | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.held = HeldRuns(pipeline)
        self.store = store
        self.workers = workers
        self.metrics = metrics
        self.alerts = alerts or Alerts()
        self._stops: dict[str, str] = {}
        self._lock = threading.Lock()

    # --- reading ------------------------------------------------------------------------------

    def _history(self) -> RunHistory:
        return RunHistory(self.pipeline.runs_dir, self.pipeline.settings.history_url)

    def view(self, run_id: str, user: User) -> RunView:
        """The run, if ``user`` may see it; another user's run is not found (404), not refused."""
        try:
            with self._history() as history:
                record = history.get(run_id)
        except RunNotFound:
            raise RunNotFound(run_id) from None
        if record.run_id != run_id:
            raise RunNotFound(run_id)  # prefixes are for the CLI; the API names runs exactly
        owner = self.store.owner_of(record.run_id)
        if not user.admin and owner != user.name:
            raise RunNotFound(run_id)
        return RunView(record, owner)

    # --- acting -------------------------------------------------------------------------------

    def submit(
        self,
        user: User,
        request: str | None = None,
        script: str | None = None,
        title: str | None = None,
        approve: bool = False,
        acknowledge: Sequence[str] = (),
    ) -> RunOutcome:
        """Plan (or take) a script and hold it for approval; ``approve`` queues it at once."""
        if script is not None:
            outcome = self.held.propose_script(script, title or "hand-written script")
        else:
            outcome = self.held.propose(request or "")
            self.metrics.planned(outcome)
        assert outcome.run_id is not None
        self.store.claim(outcome.run_id, user.name)
        if outcome.status != HELD:
            self.metrics.finished(outcome)
            return outcome
        sensitive = self._note_sensitive_tools(outcome.run_id, user)
        # Held, not refused, when tools that send data out are not all named: the run is kept.
        if approve and set(sensitive) <= set(acknowledge):
            self.approve(outcome.run_id, user, acknowledge)
            outcome.status = self.store.status_of(outcome.run_id) or outcome.status
        return outcome

    def _note_sensitive_tools(self, run_id: str, user: User) -> list[str]:
        """Write approval.json: the tools of this run that send data out (need naming)."""
        view = self.view(run_id, user)
        registry = self.pipeline.registry
        sensitive = sorted(
            name
            for name in view.record.tools_used
            if name in registry and "uses_network" in registry.get(name).side_effects
        )
        view.folder().write_json("approval.json", {"tools": sensitive})
        return sensitive

    def approve(self, run_id: str, user: User, acknowledge: Sequence[str] = ()) -> None:
        """Queue a held run; tools that send data out must be named in ``acknowledge``."""
        view = self.view(run_id, user)
        sensitive = needs_approval(view.folder())
        unnamed = [name for name in sensitive if name not in set(acknowledge)]
        if unnamed:
            raise ActionNotAllowed(
                f"Run {view.record.run_id} sends data out through {', '.join(unnamed)}: approve "
                f'it naming them ({{"acknowledge": {json.dumps(unnamed)}}}).'
            )
        with self._lock:  # never between an edit's check and its write
            moved = self.store.move(view.record.run_id, HELD, QUEUED)
        if not moved:
            raise ActionNotAllowed(self._not_allowed(view.record.run_id, "approved"))
        action = "approved" + (f" (sends data out: {', '.join(sensitive)})" if sensitive else "")
        self._decide(view.record.run_id, action, user)
        self._enqueue(view.record.run_id)

    def edit_script(self, run_id: str, source: str, user: User) -> list[Finding]:
        """Replace a held run's script if it validates; the generated one and the diff are kept.

        Returns the findings (nothing changed) or an empty list (edited, on the record).
        """
        view = self.view(run_id, user)
        findings = self.held.check_script(source)
        if findings:
            return findings
        folder = view.folder()
        with self._lock:
            if self.store.status_of(view.record.run_id) != HELD:
                raise ActionNotAllowed(self._not_allowed(view.record.run_id, "edited"))
            original = folder.root / "script.generated.py"
            if not original.exists() and folder.script.is_file():
                original.write_bytes(folder.script.read_bytes())
            folder.write_text("script.py", source)
            generated = original.read_text(encoding="utf-8") if original.is_file() else ""
            diff = difflib.unified_diff(
                generated.splitlines(keepends=True),
                source.splitlines(keepends=True),
                "script.generated.py",
                "script.py",
            )
            changes = "".join(diff)
            folder.write_text("script.diff", changes)
        self._decide(view.record.run_id, "edited", user, changes)
        return []

    def reject(self, run_id: str, user: User) -> None:
        view = self.view(run_id, user)
        if not self.store.move(view.record.run_id, HELD, "rejected"):
            raise ActionNotAllowed(self._not_allowed(view.record.run_id, "rejected"))
        self._decide(view.record.run_id, "rejected", user)
        outcome = self.held.settle(
            view.record.run_id, "rejected", f"The plan was rejected by {user.name}; nothing ran."
        )
        self.metrics.finished(outcome)

    def cancel(self, run_id: str, user: User) -> None:
        """Cancel a held or queued run at once; a running one is stopped at its next tick."""
        view = self.view(run_id, user)
        run_id = view.record.run_id
        why = f"cancelled by {user.name} through the service"
        for status in (HELD, QUEUED):
            if self.store.move(run_id, status, "cancelled"):
                self._decide(run_id, "cancelled", user)
                outcome = self.held.settle(run_id, "cancelled", f"The run was {why}.")
                self.metrics.finished(outcome)
                return
        if self.store.status_of(run_id) == RUNNING:
            self._decide(run_id, "cancelled", user)
            with self._lock:
                self._stops[run_id] = why
            return
        raise ActionNotAllowed(self._not_allowed(run_id, "cancelled"))

    def _decide(self, run_id: str, action: str, user: User, diff: str | None = None) -> None:
        """Put a decision on the record: the history, and decisions.json in the run folder.

        Written before the run's manifest is, so the manifest lists it with its checksum.
        """
        self.store.decide(self.view(run_id, user).folder(), action, user.name, diff)

    def _not_allowed(self, run_id: str, action: str) -> str:
        status = self.store.status_of(run_id)
        return f"Run {run_id} is {status}; only a run awaiting approval can be {action}." + (
            "" if action != "cancelled" else " (or one queued or running)"
        )

    # --- executing ----------------------------------------------------------------------------

    def _enqueue(self, run_id: str) -> None:
        self.workers.submit(run_id, lambda: self._execute(run_id))
        self.metrics.queue_depth.set(self.workers.depth())

    def _execute(self, run_id: str) -> None:
        if not self.store.move(run_id, QUEUED, RUNNING):
            return  # cancelled while it waited, or taken by another worker
        owner = self.store.owner_of(run_id)

        def tick(elapsed: float) -> None:
            self.alerts.running(run_id, owner, elapsed)
            self._check(run_id)

        try:
            outcome = HeldRuns(self._pipeline_for(owner)).run_approved(run_id, on_tick=tick)
        except Interrupted as stop:
            outcome = stop.outcome
        except Exception as problem:  # noqa: BLE001 - recorded as failed by the pipeline
            logger.exception("run failed inside the service", extra={"run_id": run_id})
            if self.store.status_of(run_id) == RUNNING:
                self.held.settle(run_id, "failed", f"Internal error: {problem}")
            outcome = None
        finally:
            with self._lock:
                self._stops.pop(run_id, None)
            self.metrics.queue_depth.set(max(self.workers.depth() - 1, 0))
        if outcome is not None:
            self.metrics.finished(outcome)
        self._alert_finished(run_id, owner)

    def _alert_finished(self, run_id: str, owner: str | None) -> None:
        try:
            with self._history() as history:
                record = history.get(run_id)
            self.alerts.finished(describe(RunView(record, owner), self.store), owner)
        except Exception:  # noqa: BLE001 - an alert rule must never break the worker
            logger.exception("alert check failed", extra={"run_id": run_id})

    def _pipeline_for(self, owner: str | None) -> Pipeline:
        """The shared pipeline, or one with the owner's own limits (a cold sandbox, then)."""
        limits = self.store.limits_of(owner)
        if not limits:
            return self.pipeline
        from meta_agent.pipeline import Pipeline

        # Settings keep CPU seconds and megabytes whole (they become rlimits).
        update: dict[str, Any] = {
            key: value if key == "timeout_seconds" else int(value) for key, value in limits.items()
        }
        settings = dataclasses.replace(self.pipeline.settings, **update)
        return Pipeline(settings, registry=self.pipeline.registry)

    def _check(self, run_id: str) -> None:
        """Called by the runtime every tick of a running script: stop it if asked."""
        with self._lock:
            why = self._stops.get(run_id)
        if why is not None:
            raise StopRequested(why)

    def stop_all(self, why: str) -> None:
        """Ask every running run to stop (the server is shutting down)."""
        with self._lock:
            for run_id in self.store.with_status(RUNNING):
                self._stops.setdefault(run_id, why)

    def recover(self) -> dict[str, list[str]]:
        """At start-up: runs left running by a dead server are marked lost; queued runs resume."""
        lost = self.store.with_status(RUNNING)
        for run_id in lost:
            logger.warning("run lost by a previous server", extra={"run_id": run_id})
            self.held.settle(run_id, "failed", LOST_MESSAGE)
            self._alert_finished(run_id, self.store.owner_of(run_id))
        queued = self.store.with_status(QUEUED)
        for run_id in queued:
            self._enqueue(run_id)
        return {"lost": lost, "queued": queued}


def describe(view: RunView, store: ServiceStore) -> dict[str, Any]:
    """The JSON of a run: status, phases, summary, resources, artifacts, decisions."""
    record, folder = view.record, view.folder()
    manifest = folder.read_json("manifest.json") or {}
    analysis = folder.read_json("analysis.json")
    plan = folder.read_json("plan.json")
    script = folder.script.read_text(encoding="utf-8") if folder.script.is_file() else None
    summary = folder.summary() if record.status not in (HELD, QUEUED, RUNNING) else {}
    sending = needs_approval(folder)
    return {
        "id": record.run_id,
        "kind": record.kind,
        "owner": view.owner,
        "request": record.request,
        "status": record.status,
        "error": record.error,
        "created_at": record.created_at,
        "finished_at": record.finished_at if record.status not in (HELD, QUEUED, RUNNING) else None,
        "restatement": with_sensitive_tools(restatement_of(analysis), sending),
        "interpretations": manifest.get("interpretations", []),
        "plan": mark_sensitive_steps(plan, sending),
        "script": script,
        "findings": manifest.get("findings", []),
        "phases": manifest.get("phases_seconds", {}),
        "summary": summary,
        "resources": manifest.get("resources", {}),
        "artifacts": folder.artifacts(),
        "tools_used": record.tools_used,
        "warnings": manifest.get("warnings", []),
        "needs_approval": sending,
        "decisions": store.decisions(record.run_id),
    }


def needs_approval(folder: RunFolder) -> list[str]:
    """The run's tools that send data out, which an approval must name."""
    noted = folder.read_json("approval.json")
    tools = noted.get("tools") if isinstance(noted, dict) else None
    return [str(name) for name in tools] if isinstance(tools, list) else []


def with_sensitive_tools(restatement: str | None, tools: list[str]) -> str | None:
    """The restatement, saying which tools send data out (an approval must name them)."""
    if not tools:
        return restatement
    said = (
        f"It sends data out of the sandbox through {', '.join(tools)}: an approval must name "
        f"{'it' if len(tools) == 1 else 'them'}."
    )
    return f"{restatement.rstrip('.')}. {said}" if restatement else said


def mark_sensitive_steps(plan: Any, tools: list[str]) -> Any:
    """The plan with ``needs_approval: true`` on each step whose tool sends data out."""
    if not isinstance(plan, dict) or not tools or not isinstance(plan.get("steps"), list):
        return plan
    steps = [
        {**step, "needs_approval": True}
        if isinstance(step, dict) and step.get("tool") in tools
        else step
        for step in plan["steps"]
    ]
    return {**plan, "steps": steps}


def restatement_of(analysis: Any) -> str | None:
    """What the planner understood, in a sentence, when the analysis states one."""
    if not isinstance(analysis, dict):
        return None
    stated = analysis.get("restatement")
    return str(stated) if stated else None
