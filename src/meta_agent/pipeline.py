"""From request to archived results: analyse, plan, generate, validate, execute, collect, archive.

``Pipeline`` is the conductor: it decides what happens next and hands each job to the package
that owns it (the sample database to ``portfolio.provision``, run specs, secrets and executors to
``runtime.launch``, manifests, history, re-run comparison and packing to ``archive``). The CLI
and the service are thin callers of it (the service's held-for-approval steps are in
``service.held``), reachable by tests without a terminal.

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
    planner: str | None = None  # who planned it ("rule_based" | "llm"); None for a script
    llm: dict[str, Any] | None = None  # the model's usage, when one was asked


class Pipeline:
    """Runs requests and scripts end to end against one configuration."""

    def __init__(
        self,
        settings: Settings,
        registry: ToolRegistry | None = None,
        planner: Planner | None = None,
        executor: Executor | None = None,
        decided_by: str | None = None,
    ) -> None:
        """Args:
        executor: a long-lived executor (e.g. with a warm pool) to run every script on; the
            caller owns and closes it. None: a fresh one per run.
        decided_by: who approves the runs of ``ask`` and ``exec_script`` (the CLI's OS user):
            each approval, refusal or abort is put on the record under this name; with no
            ``approve`` callback, the run counts as approved in advance (``--yes``). None:
            nothing is recorded (the service records its own decisions).
        """
        self.settings = settings
        self.decided_by = decided_by
        self._executor = executor
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
            from meta_agent.portfolio.sqlite_direct import holds_portfolio

            self.ensure_database()
            # Opened read-only first: an unusable database raises the error that names its
            # cause, and a missing SQLite file is never created as a side effect. A SQLite file
            # that holds the portfolio is seen without SQLAlchemy (left to the sandbox).
            if not holds_portfolio(self.database_url):
                from meta_agent.portfolio.engine import read_only_engine

                read_only_engine(self.database_url)
            directory = PortfolioDirectory.from_database(self.database_url)
            offline = RuleBasedPlanner(
                directory,
                at_risk_threshold=self.settings.at_risk_threshold,
                registry=self.registry,
            )
            self._planner = offline
            if self.settings.planner != "offline":  # nothing of meta_agent.llm loads otherwise
                from meta_agent.planning.selection import model_planner

                self._planner = model_planner(
                    self.settings, directory, offline, self.registry, self.sql_dialect
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
        early: EarlyExecutor | None = None,
    ) -> RunOutcome:
        """Do it all for one request; a rejected request still leaves a run folder saying why.

        A stop by signal (KeyboardInterrupt, or ``errors.Interrupted`` from the CLI's handlers)
        records the run as ``cancelled`` and raises ``Interrupted`` with that outcome.
        ``early``: a sandbox the caller started before it made the pipeline
        (``launch.early_executor``), booting while the request is planned; the caller closes it.
        """
        started = time.perf_counter()
        folder = RunFolder.create(self.runs_dir, request)
        folder.write_text("request.txt", request.strip() + "\n")
        run = _RunRecord(folder, "ask", request, _now_iso(), started)
        outcome = RunOutcome(
            status="succeeded", run_id=folder.run_id, run_dir=folder.root, dry_run=dry_run
        )
        with self._recorded(run, outcome):
            self._ask_steps(run, outcome, approve, on_log, on_tick, early)
        return outcome

    def _ask_steps(
        self,
        run: _RunRecord,
        outcome: RunOutcome,
        approve: Callable[[Prepared], bool] | None,
        on_log: LogSink | None,
        on_tick: TickSink | None,
        early: EarlyExecutor | None,
    ) -> None:
        folder = run.folder
        try:
            prepared = self.prepare(run.request)
        except MetaAgentError as problem:
            self._keep_llm_record(run)
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
        self._keep_llm_record(run)
        folder.write_json("analysis.json", prepared.analysis.model_dump(mode="json"))
        folder.write_json("plan.json", prepared.plan.model_dump(mode="json"))
        folder.write_text("script.py", prepared.script.source)
        outcome.script = folder.script
        outcome.interpretations = list(prepared.analysis.interpretations)
        outcome.restatement = prepared.analysis.restatement or None
        outcome.phases.update(prepared.phases)
        if outcome.dry_run:
            return
        if not self._approved(run.folder, approve, prepared):
            outcome.status, outcome.error = "rejected", "The plan was not approved; nothing ran."
            return
        expected = [output.filename for output in prepared.plan.outputs]
        self._execute(folder, outcome, prepared.plan.tools_used(), expected, on_log, on_tick, early)

    def _keep_llm_record(self, run: _RunRecord) -> None:
        """Who planned the run; with a model, its transcript in llm/ and its usage."""
        planner = self._planner
        last = getattr(planner, "last_session", None)
        session = last() if callable(last) else None
        if session is not None and session.request != run.request.strip():
            session = None  # this thread's previous request: this one never reached the model
        if run.plan is not None:
            run.planner = run.plan.planner
        elif planner is not None:
            asked = session is not None or getattr(planner, "name", None) == "llm"
            run.planner = "llm" if asked else "rule_based"
        if session is None:
            return
        from meta_agent.llm.base import TRANSCRIPT_FILE

        session.transcript.write(run.folder.root / TRANSCRIPT_FILE)
        run.llm = session.usage()

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
        if not self._approved(run.folder, approve, source):
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

    def _approved(
        self, folder: RunFolder, approve: Callable[[Any], bool] | None, subject: Any
    ) -> bool:
        """Ask ``approve`` (None: approved in advance); ``decided_by``'s decision is recorded."""
        if self.decided_by is None:
            return approve is None or approve(subject)
        from meta_agent.archive.decisions import approval_on_record

        url = self.settings.history_url
        return approval_on_record(approve, subject, folder, self.decided_by, self.runs_dir, url)

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
        from meta_agent.runtime.pool import preload_for

        return early_executor(self.settings, preload_for(source))

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
            planner=run.planner,
            llm=run.llm,
            history_url=self.settings.history_url,
        )

    def rerun(
        self,
        run_id: str,
        on_log: LogSink | None = None,
        on_tick: TickSink | None = None,
    ) -> RunOutcome:
        """Re-execute an archived script and say whether the results are identical."""
        from meta_agent.archive.history import RunHistory

        with RunHistory(self.runs_dir, self.settings.history_url) as history:
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

        return pack_run(self.runs_dir, run_id, output, self.settings.history_url)


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
