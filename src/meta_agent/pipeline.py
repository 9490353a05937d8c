"""From request to archived results: analyse, plan, generate, validate, execute, collect, archive.

``Pipeline`` is the conductor: it decides what happens next and hands each job to the package
that owns it (the sample database to ``portfolio.provision``, run specs, secrets and executors to
``runtime.launch``, manifests, history, re-run comparison and packing to ``archive``). The CLI
(and later the service) are thin callers of it, reachable by tests without a terminal.

What a run needs later (the history, the manifest writer, the validator) is imported when it is
needed, so that a command starts its sandbox first and imports the rest while the sandbox boots.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_agent.archive.run_folder import RunFolder
from meta_agent.errors import (
    ConfigError,
    ExecutionError,
    Finding,
    Interrupted,
    MetaAgentError,
    RequestRejected,
    ScriptRejected,
)

if TYPE_CHECKING:
    from meta_agent.config import Settings
    from meta_agent.planning.models import ExecutionPlan, RequirementAnalysis
    from meta_agent.planning.planner import Planner
    from meta_agent.runtime import Executor, Limits
    from meta_agent.runtime.early import EarlyExecutor
    from meta_agent.scripting.generate import GeneratedScript
    from meta_agent.tool_library.tool_registry import ToolRegistry

logger = logging.getLogger(__name__)

LogSink = Callable[[str, str], None]
TickSink = Callable[[float], None]
AWAITING_APPROVAL = "awaiting_approval"  # a proposed run, planned and validated, not yet run


@dataclass
class Prepared:
    """A request turned into a validated script, ready for approval and execution."""

    request: str
    analysis: RequirementAnalysis
    plan: ExecutionPlan
    script: GeneratedScript
    phases: dict[str, float]


@dataclass
class RunOutcome:
    """What a run produced; ``to_json`` is the ``--json`` contract."""

    status: str
    run_id: str | None = None
    run_dir: Path | None = None
    script: Path | None = None
    artifacts: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    interpretations: list[str] = field(default_factory=list)
    restatement: str | None = None  # the analysis in plain words, before anything ran
    suggestions: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    identical: bool | None = None
    differences: list[str] = field(default_factory=list)
    # The exit code of the error that failed the run, when it names one (a configuration
    # error such as an unusable database: 2); None: the status decides.
    error_exit_code: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    def to_json(self) -> dict[str, Any]:
        results = self.run_dir / "results" if self.run_dir else None
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "status": self.status,
            "run_dir": str(self.run_dir) if self.run_dir else None,
            "script": str(self.script) if self.script else None,
            "artifacts": [str(results / name) for name in self.artifacts] if results else [],
            "summary": self.summary,
            "error": self.error,
            "interpretations": self.interpretations,
            "restatement": self.restatement,
            "suggestions": self.suggestions,
            "findings": [f.__dict__ for f in self.findings],
            "phases": {k: round(v, 4) for k, v in self.phases.items()},
            "resources": self.resources,
            "warnings": self.warnings,
            "dry_run": self.dry_run,
        }
        if self.identical is not None:
            data["identical"] = self.identical
            data["differences"] = self.differences
        return data


@dataclass
class _RunRecord:
    """What the record of a run in progress needs, filled in as the run goes."""

    folder: RunFolder
    kind: str
    request: str
    created: str
    started: float
    plan: ExecutionPlan | None = None
    tools: list[str] = field(default_factory=list)


class Pipeline:
    """Runs requests and scripts end to end against one configuration."""

    def __init__(
        self,
        settings: Settings,
        registry: ToolRegistry | None = None,
        planner: Planner | None = None,
        executor: Executor | None = None,
        prewarm: bool = False,
    ) -> None:
        """Args:
        executor: a long-lived executor (e.g. with a warm pool) to run every script on; the
            caller owns and closes it. None: a fresh one per run.
        prewarm: start a sandbox that imports the tool library while the request is being
            planned, so the run does not wait for pandas (worth it for one-shot commands).
        """
        self.settings = settings
        self._executor = executor
        self.prewarm = prewarm
        self._registry = registry
        self._planner = planner
        self.runs_dir = settings.resolved_runs_dir

    @property
    def registry(self) -> ToolRegistry:
        """The tool registry, loaded on first use (a warm sandbox can start before it)."""
        if self._registry is None:
            from meta_agent.tool_library.tool_registry import default_registry

            self._registry = default_registry(load_plugins=self.settings.load_plugins)
        return self._registry

    def _load_registry(self) -> ToolRegistry:
        """The registry, for a caller that asks for it only when a script imports from a module
        (a script that imports no tool is validated and run without loading the tool library)."""
        return self.registry

    # --- planning ---------------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return self.settings.resolved_database_url

    @property
    def sql_dialect(self) -> str:
        """The dialect scripts' SQL is judged in: the one of the database they run on."""
        from meta_agent.portfolio.sqlguard import dialect_of_url

        return dialect_of_url(self.database_url)

    def ensure_database(self) -> None:
        """Create the default sample portfolio on first use (never touches a configured URL)."""
        from meta_agent.portfolio.provision import ensure_default_portfolio

        ensure_default_portfolio(self.settings)

    def planner(self) -> Planner:
        if self._planner is None:
            from meta_agent.planning.directory import PortfolioDirectory
            from meta_agent.planning.rule_based import RuleBasedPlanner
            from meta_agent.portfolio.provision import sqlite_portfolio_present

            self.ensure_database()
            # Opened read-only first: an unusable database raises the error that names its
            # cause, and a missing SQLite file is never created as a side effect. A SQLite file
            # that holds the portfolio is seen without SQLAlchemy (left to the sandbox).
            if not sqlite_portfolio_present(self.database_url):
                from meta_agent.portfolio.engine import read_only_engine

                read_only_engine(self.database_url)
            self._planner = RuleBasedPlanner(
                PortfolioDirectory.from_database(self.database_url),
                at_risk_threshold=self.settings.at_risk_threshold,
                registry=self.registry,
            )
        return self._planner

    def prepare(self, request: str) -> Prepared:
        """Analyse, plan, generate and validate; raises RequestRejected or ScriptRejected."""
        from meta_agent.scripting.generate import ScriptGenerator
        from meta_agent.scripting.validate import ScriptValidator

        phases: dict[str, float] = {}
        request = request.strip()
        if not request:
            raise RequestRejected(
                "The request is empty: describe what you want, e.g. "
                "'Calculate DSCR for all properties and identify at-risk assets'."
            )
        planner = self.planner()
        with _timed(phases, "analyse"):
            analysis = planner.analyse(request)
        with _timed(phases, "plan"):
            plan = planner.plan(analysis)
        with _timed(phases, "generate"):
            generator = ScriptGenerator(self.registry, self.runs_dir / ".script-cache")
            script = generator.generate(plan)
        with _timed(phases, "validate"):
            # Our own generator's output: the AST policy in full, bandit's second opinion skipped.
            ScriptValidator(self.registry, sql_dialect=self.sql_dialect).check(
                script.source, "generated script", thorough=False
            )
        return Prepared(request, analysis, plan, script, phases)

    # --- running ----------------------------------------------------------------------------

    def ask(
        self,
        request: str,
        approve: Callable[[Prepared], bool] | None = None,
        on_log: LogSink | None = None,
        on_tick: TickSink | None = None,
        dry_run: bool = False,
    ) -> RunOutcome:
        """Do it all for one request; a rejected request still leaves a run folder saying why.

        A stop by signal (KeyboardInterrupt, or ``errors.Interrupted`` from the CLI's handlers)
        records the run as ``cancelled`` and raises ``Interrupted`` with that outcome.
        """
        started = time.perf_counter()
        warm = self._warm_executor() if self.prewarm and not dry_run else None
        try:
            return self._ask(request, approve, on_log, on_tick, dry_run, started, warm)
        finally:
            if warm is not None:
                warm.close()

    def _warm_executor(self) -> Executor | None:
        """An executor whose one pool member imports the tool library while we plan."""
        if self._executor is not None:
            return None
        from meta_agent.runtime.launch import prewarmed_executor

        try:
            self.ensure_database()
        except (MetaAgentError, OSError):
            return None  # planning will report why the database cannot be used
        return prewarmed_executor(self.settings, self.runs_dir / ".pool")

    def _ask(
        self,
        request: str,
        approve: Callable[[Prepared], bool] | None,
        on_log: LogSink | None,
        on_tick: TickSink | None,
        dry_run: bool,
        started: float,
        warm: Executor | None,
    ) -> RunOutcome:
        folder = RunFolder.create(self.runs_dir, request)
        folder.write_text("request.txt", request.strip() + "\n")
        run = _RunRecord(folder, "ask", request, _now_iso(), started)
        outcome = RunOutcome(
            status="succeeded", run_id=folder.run_id, run_dir=folder.root, dry_run=dry_run
        )
        with self._recorded(run, outcome):
            self._ask_steps(run, outcome, approve, on_log, on_tick, warm)
        return outcome

    def _ask_steps(
        self,
        run: _RunRecord,
        outcome: RunOutcome,
        approve: Callable[[Prepared], bool] | None,
        on_log: LogSink | None,
        on_tick: TickSink | None,
        warm: Executor | None,
    ) -> None:
        folder = run.folder
        try:
            prepared = self.prepare(run.request)
        except MetaAgentError as problem:
            # Refused (rejected) or unable to plan at all, e.g. no database (failed): either
            # way the run folder is completed with a manifest that says why.
            refused = isinstance(problem, (RequestRejected, ScriptRejected))
            outcome.status = "rejected" if refused else "failed"
            outcome.error = str(problem)
            outcome.suggestions = getattr(problem, "suggestions", [])
            outcome.findings = getattr(problem, "findings", [])
            outcome.error_exit_code = None if refused else problem.exit_code
            return
        run.plan = prepared.plan
        folder.write_json("analysis.json", prepared.analysis.model_dump(mode="json"))
        folder.write_json("plan.json", prepared.plan.model_dump(mode="json"))
        folder.write_text("script.py", prepared.script.source)
        outcome.script = folder.script
        outcome.interpretations = list(prepared.analysis.interpretations)
        outcome.restatement = prepared.analysis.restatement or None
        outcome.phases.update(prepared.phases)
        if outcome.dry_run:
            return
        if approve is not None and not approve(prepared):
            outcome.status, outcome.error = "rejected", "The plan was not approved; nothing ran."
            return
        expected = [output.filename for output in prepared.plan.outputs]
        self._execute(folder, outcome, prepared.plan.tools_used(), expected, on_log, on_tick, warm)

    def exec_script(
        self,
        path: Path,
        approve: Callable[[str], bool] | None = None,
        validate: bool = True,
        on_log: LogSink | None = None,
        on_tick: TickSink | None = None,
        kind: str = "exec",
        title: str | None = None,
        early: EarlyExecutor | None = None,
    ) -> RunOutcome:
        """Validate and run a script a user wrote or edited, in a run folder of its own.

        Cancelled by a signal, it is recorded and raises ``Interrupted`` as ``ask`` does.
        ``early``: an executor the caller started for this very script before it made the
        pipeline (``launch.early_executor``), closed here.
        """
        from meta_agent.scripting.source import decode_script

        started = time.perf_counter()
        try:
            # Decoded once; script.py below is this text as UTF-8, the bytes that are checked.
            source = decode_script(path.read_bytes())
        except (OSError, UnicodeDecodeError) as exc:
            if early is not None:
                early.close()
            raise ExecutionError(f"Cannot read script {path}: {exc}") from exc
        # The sandbox starts first, and boots while the run folder is made and the script is
        # validated (and the modules for that are imported).
        if early is None:
            early = self._early_executor(source)
        try:
            request = title or f"exec {path.name}"
            folder = RunFolder.create(self.runs_dir, request)
            folder.write_text("request.txt", request + "\n")
            folder.write_text("script.py", source)
            run = _RunRecord(folder, kind, request, _now_iso(), started)
            outcome = RunOutcome(
                status="succeeded", run_id=folder.run_id, run_dir=folder.root, script=folder.script
            )
            with self._recorded(run, outcome):
                self._exec_steps(run, outcome, source, approve, validate, on_log, on_tick, early)
        finally:
            if early is not None:
                early.close()
        return outcome

    def _exec_steps(
        self,
        run: _RunRecord,
        outcome: RunOutcome,
        source: str,
        approve: Callable[[str], bool] | None,
        validate: bool,
        on_log: LogSink | None,
        on_tick: TickSink | None,
        early: EarlyExecutor | None = None,
    ) -> None:
        from meta_agent.portfolio.provision import require_sqlite_file
        from meta_agent.scripting.imports import tools_imported
        from meta_agent.scripting.validate import ScriptValidator

        run.tools = tools_imported(source, self._load_registry)
        if validate:
            with _timed(outcome.phases, "validate"):
                findings = ScriptValidator(
                    self._load_registry, sql_dialect=self.sql_dialect
                ).validate(source)
            if findings:
                outcome.status = "rejected"
                outcome.findings = findings
                outcome.error = str(ScriptRejected(findings, "script"))
                return
        else:
            outcome.warnings.append(
                "Validation was switched off (--no-validate): only the sandbox stands between "
                "this script and the machine."
            )
        if approve is not None and not approve(source):
            outcome.status, outcome.error = "rejected", "The script was not approved; nothing ran."
            return
        try:
            self.ensure_database()
            require_sqlite_file(self.database_url)
        except MetaAgentError as problem:
            outcome.status, outcome.error = "failed", str(problem)
            outcome.error_exit_code = problem.exit_code
            return
        self._execute(run.folder, outcome, run.tools, None, on_log, on_tick, early)

    # --- held for approval (the service) -----------------------------------------------------

    def propose(self, request: str) -> RunOutcome:
        """Prepare a request in a run folder of its own and leave it ``awaiting_approval``.

        The service's first step: the plan and script are on the record before anyone approves
        them, and ``run_approved`` later runs them in the same folder. Refused: ``rejected``.
        """
        folder = RunFolder.create(self.runs_dir, request)
        folder.write_text("request.txt", request.strip() + "\n")
        run = _RunRecord(folder, "ask", request, _now_iso(), time.perf_counter())
        outcome = RunOutcome(status="succeeded", run_id=folder.run_id, run_dir=folder.root)
        outcome.dry_run = True  # the steps stop before execution
        with self._recorded(run, outcome):
            self._ask_steps(run, outcome, None, None, None, None)
            outcome.dry_run = False
            if outcome.status == "succeeded":
                outcome.status = AWAITING_APPROVAL
        return outcome

    def propose_script(self, source: str, title: str = "script") -> RunOutcome:
        """Validate a hand-written script in a run folder of its own; ``awaiting_approval`` if clean."""
        folder = RunFolder.create(self.runs_dir, title)
        folder.write_text("request.txt", title + "\n")
        folder.write_text("script.py", source)
        run = _RunRecord(folder, "exec", title, _now_iso(), time.perf_counter())
        outcome = RunOutcome(
            status="succeeded", run_id=folder.run_id, run_dir=folder.root, script=folder.script
        )
        with self._recorded(run, outcome):
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
        folder, run, outcome = self._reopen(run_id)
        with self._recorded(run, outcome):
            source = folder.script.read_text(encoding="utf-8")
            self._check_held(run, outcome, source)
            if outcome.status != "succeeded":
                return outcome
            expected = [o.filename for o in run.plan.outputs] if run.plan is not None else None
            tools = run.plan.tools_used() if run.plan is not None else run.tools
            try:
                self.ensure_database()
            except MetaAgentError as problem:
                outcome.status, outcome.error = "failed", str(problem)
                outcome.error_exit_code = problem.exit_code
                return outcome
            self._execute(folder, outcome, tools, expected, on_log, on_tick)
        return outcome

    def settle(self, run_id: str, status: str, error: str) -> RunOutcome:
        """Close a held or abandoned run without running it (rejected, cancelled, lost)."""
        _, run, outcome = self._reopen(run_id)
        outcome.status, outcome.error = status, error
        outcome.artifacts = run.folder.artifacts()
        self._finish(run, outcome)
        return outcome

    def check_script(self, source: str) -> list[Finding]:
        """Every validation finding in ``source`` (empty: it may run), as a run would judge it."""
        from meta_agent.scripting.validate import ScriptValidator

        return ScriptValidator(self._load_registry, sql_dialect=self.sql_dialect).validate(source)

    def _reopen(self, run_id: str) -> tuple[RunFolder, _RunRecord, RunOutcome]:
        from meta_agent.archive.history import RunHistory
        from meta_agent.planning.models import ExecutionPlan

        with RunHistory(self.runs_dir) as history:
            record = history.get(run_id)
        folder = RunFolder(Path(record.run_dir))
        plan_data = folder.read_json("plan.json")
        plan = ExecutionPlan.model_validate(plan_data) if plan_data is not None else None
        run = _RunRecord(
            folder, record.kind, record.request, record.created_at, time.perf_counter(), plan
        )
        run.tools = list(record.tools_used)
        manifest = folder.read_json("manifest.json") or {}
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

        if run.plan is None:
            run.tools = tools_imported(source, self._load_registry)
        with _timed(outcome.phases, "validate"):
            findings = ScriptValidator(self._load_registry, sql_dialect=self.sql_dialect).validate(
                source
            )
        if findings:
            outcome.status = "rejected"
            outcome.findings = findings
            outcome.error = str(ScriptRejected(findings, "script"))

    @contextmanager
    def _recorded(self, run: _RunRecord, outcome: RunOutcome) -> Iterator[None]:
        """Record the run however it ends: its manifest and history row are always written.

        A stop asked for by a signal (Ctrl-C, SIGTERM) records the run as ``cancelled`` and
        goes on up as ``Interrupted`` carrying the outcome; an error that escapes the steps (a
        bug) is recorded as ``failed`` and raised on.
        """
        try:
            yield
            self._finish(run, outcome)
        except KeyboardInterrupt as stop:
            interrupted = stop if isinstance(stop, Interrupted) else Interrupted()
            ran = "execute" in outcome.phases
            outcome.status = "cancelled"
            why = interrupted.reason
            outcome.error = f"{why[:1].upper()}{why[1:]}: the run was cancelled" + (
                "; its sandbox was stopped and its partial log kept." if ran else " before it ran."
            )
            outcome.artifacts = run.folder.artifacts()
            self._finish(run, outcome)
            interrupted.outcome = outcome
            if interrupted is stop:
                raise
            raise interrupted from stop
        except Exception as problem:
            outcome.status = "failed"
            if isinstance(problem, MetaAgentError):
                outcome.error, outcome.error_exit_code = str(problem), problem.exit_code
            else:
                outcome.error = f"Internal error: {type(problem).__name__}: {problem}"
            self._finish(run, outcome)
            raise

    def _early_executor(self, source: str) -> EarlyExecutor | None:
        """A fresh executor for this script, started now (``launch.early_executor``); None when
        the caller gave a long-lived one."""
        if self._executor is not None:
            return None
        from meta_agent.runtime.launch import early_executor

        return early_executor(self.settings, source)

    def _execute(
        self,
        folder: RunFolder,
        outcome: RunOutcome,
        tools: list[str],
        expected: list[str] | None,
        on_log: LogSink | None,
        on_tick: TickSink | None,
        executor: Executor | EarlyExecutor | None = None,
    ) -> None:
        from meta_agent.runtime.launch import build_run_spec, resources_of, run_spec

        try:
            spec = build_run_spec(
                self.settings,
                self.registry if tools else None,  # a script that uses no tool needs no registry
                folder.root,
                folder.script,
                tools,
                expected_outputs=expected,
                on_log=on_log,
                on_tick=on_tick,
            )
        except ConfigError as exc:  # e.g. a tool setting that would carry a credential in
            outcome.status, outcome.error = "failed", str(exc)
            outcome.error_exit_code = exc.exit_code
            return
        with _timed(outcome.phases, "execute"):
            try:
                result = run_spec(self.settings, spec, executor or self._executor)
            except MetaAgentError as exc:
                # No sandbox could be started for it (e.g. the backend asked for is missing).
                outcome.status = "error" if isinstance(exc, ExecutionError) else "failed"
                outcome.error, outcome.error_exit_code = str(exc), exc.exit_code
                return
        outcome.status = result.status
        outcome.error = result.error
        outcome.warnings.extend(result.warnings)
        outcome.resources = resources_of(result)
        with _timed(outcome.phases, "collect"):
            outcome.artifacts = folder.artifacts()
            outcome.summary = folder.summary()

    def limits(self) -> Limits:
        """The sandbox limits in force."""
        from meta_agent.runtime import Limits

        return Limits.from_settings(self.settings)

    # --- archive ----------------------------------------------------------------------------

    def _finish(self, run: _RunRecord, outcome: RunOutcome) -> None:
        """Write the manifest and the history row of a run that has ended."""
        from meta_agent.archive.record import record_run

        plan, folder = run.plan, run.folder
        tools = plan.tools_used() if plan is not None else run.tools
        outcome.phases["total"] = time.perf_counter() - run.started
        if outcome.script is None and folder.script.exists():
            outcome.script = folder.script
        versions = {
            name: self.registry.get(name).version for name in tools if name in self.registry
        }
        record_run(
            self.runs_dir,
            folder,
            outcome,
            kind=run.kind,
            request=run.request,
            created_at=run.created,
            plan_hash=plan.content_hash() if plan is not None else None,
            tools_used=tools,
            tool_versions=versions,
        )

    def rerun(
        self,
        run_id: str,
        on_log: LogSink | None = None,
        on_tick: TickSink | None = None,
    ) -> RunOutcome:
        """Re-execute an archived script and say whether the results are identical."""
        from meta_agent.archive.history import RunHistory

        with RunHistory(self.runs_dir) as history:
            original = history.get(run_id)
        old = RunFolder(Path(original.run_dir))
        if not old.script.is_file():
            raise ExecutionError(
                f"Run {original.run_id} has no script to re-run (it was {original.status})."
            )
        outcome = self.exec_script(
            old.script,
            on_log=on_log,
            on_tick=on_tick,
            kind="rerun",
            title=f"rerun of {original.run_id}",
        )
        if outcome.run_dir is not None:
            from meta_agent.archive.compare import compare_results

            outcome.identical, outcome.differences = compare_results(
                old.results, outcome.run_dir / "results"
            )
        return outcome

    def archive(self, run_id: str, output: Path | None = None) -> Path:
        """Pack a run folder into a .tar.gz (default: ``RUNS_DIR/archives/<id>.tar.gz``)."""
        from meta_agent.archive.pack import pack_run

        return pack_run(self.runs_dir, run_id, output)


def _now_iso() -> str:
    from meta_agent.archive.record import now_iso

    return now_iso()


@contextmanager
def _timed(phases: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - start
