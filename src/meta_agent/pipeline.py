"""From request to archived results: analyse, plan, generate, validate, execute, collect, archive.

The CLI (and later the service) are thin callers of ``Pipeline``; every decision lives here, where
tests reach it without a terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_agent.archive.manifest import build_manifest
from meta_agent.archive.registry import RunHistory, RunRecord
from meta_agent.archive.run_folder import RunFolder
from meta_agent.errors import (
    ExecutionError,
    Finding,
    MetaAgentError,
    RequestRejected,
    ScriptRejected,
)

if TYPE_CHECKING:
    from meta_agent.config import Settings
    from meta_agent.planning.models import ExecutionPlan, RequirementAnalysis
    from meta_agent.planning.planner import Planner
    from meta_agent.runtime import Executor, Limits, RunResult
    from meta_agent.runtime.early import EarlyExecutor
    from meta_agent.scripts.generate import GeneratedScript
    from meta_agent.tool_library.tool_registry import ToolRegistry

logger = logging.getLogger(__name__)

LogSink = Callable[[str, str], None]
TickSink = Callable[[float], None]
MAX_RESULTS_JSON_BYTES = 5_000_000  # results.json is a summary, not a data dump


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
    suggestions: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    identical: bool | None = None
    differences: list[str] = field(default_factory=list)

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

    # --- planning ---------------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return self.settings.resolved_database_url

    def ensure_database(self) -> None:
        """Create the default sample portfolio on first use (never touches a configured URL)."""
        if self.settings.uses_default_database and not self.settings.default_database_path.exists():
            from meta_agent.portfolio.generator import generate_portfolio

            logger.info("creating the default sample portfolio")
            generate_portfolio(self.database_url)

    def planner(self) -> Planner:
        if self._planner is None:
            from meta_agent.planning.directory import PortfolioDirectory
            from meta_agent.planning.rule_based import RuleBasedPlanner

            self.ensure_database()
            self._planner = RuleBasedPlanner(PortfolioDirectory.from_database(self.database_url))
        return self._planner

    def prepare(self, request: str) -> Prepared:
        """Analyse, plan, generate and validate; raises RequestRejected or ScriptRejected."""
        from meta_agent.scripts.generate import ScriptGenerator
        from meta_agent.scripts.validate import ScriptValidator

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
            ScriptValidator(self.registry).check(script.source, "generated script", thorough=False)
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
        """Do it all for one request; a rejected request still leaves a run folder saying why."""
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
        from meta_agent.runtime import Executor

        try:
            self.ensure_database()
            (self.runs_dir / ".pool").mkdir(parents=True, exist_ok=True)
            return Executor(
                self.settings.sandbox,
                self.limits(),
                pool_size=1,
                database_url=self.database_url,
                pool_dir=self.runs_dir / ".pool",
                prewarm_only=True,
            )
        except (MetaAgentError, OSError):
            return None  # the run itself will report why the sandbox cannot start

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
        created = _now()
        try:
            prepared = self.prepare(request)
        except MetaAgentError as problem:
            # Refused (rejected) or unable to plan at all, e.g. no database (failed): either
            # way the run folder is completed with a manifest that says why.
            refused = isinstance(problem, (RequestRejected, ScriptRejected))
            outcome = RunOutcome(
                status="rejected" if refused else "failed",
                run_id=folder.run_id,
                run_dir=folder.root,
                error=str(problem),
                suggestions=getattr(problem, "suggestions", []),
                findings=getattr(problem, "findings", []),
            )
            self._finish(folder, outcome, "ask", request, created, started)
            return outcome
        folder.write_json("analysis.json", prepared.analysis.model_dump(mode="json"))
        folder.write_json("plan.json", prepared.plan.model_dump(mode="json"))
        folder.write_text("script.py", prepared.script.source)
        outcome = RunOutcome(
            status="succeeded",
            run_id=folder.run_id,
            run_dir=folder.root,
            script=folder.script,
            interpretations=list(prepared.analysis.interpretations),
            phases=dict(prepared.phases),
            dry_run=dry_run,
        )
        if dry_run:
            self._finish(folder, outcome, "ask", request, created, started, prepared.plan)
            return outcome
        if approve is not None and not approve(prepared):
            outcome.status, outcome.error = "rejected", "The plan was not approved; nothing ran."
            self._finish(folder, outcome, "ask", request, created, started, prepared.plan)
            return outcome
        expected = [output.filename for output in prepared.plan.outputs]
        tools = prepared.plan.tools_used()
        self._execute(folder, outcome, tools, expected, on_log, on_tick, warm)
        self._finish(folder, outcome, "ask", request, created, started, prepared.plan)
        return outcome

    def exec_script(
        self,
        path: Path,
        approve: Callable[[str], bool] | None = None,
        validate: bool = True,
        on_log: LogSink | None = None,
        on_tick: TickSink | None = None,
        kind: str = "exec",
        title: str | None = None,
    ) -> RunOutcome:
        """Validate and run a script a user wrote or edited, in a run folder of its own."""
        started = time.perf_counter()
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ExecutionError(f"Cannot read script {path}: {exc}") from exc
        request = title or f"exec {path.name}"
        folder = RunFolder.create(self.runs_dir, request)
        folder.write_text("request.txt", request + "\n")
        folder.write_text("script.py", source)
        created = _now()
        outcome = RunOutcome(
            status="succeeded", run_id=folder.run_id, run_dir=folder.root, script=folder.script
        )
        tools = self._tools_imported(source)
        early = self._early_executor(source)  # the sandbox starts while the script is validated
        try:
            if validate:
                with _timed(outcome.phases, "validate"):
                    from meta_agent.scripts.validate import ScriptValidator

                    findings = ScriptValidator(self.registry).validate(source)
                if findings:
                    outcome.status = "rejected"
                    outcome.findings = findings
                    outcome.error = str(ScriptRejected(findings, "script"))
                    self._finish(folder, outcome, kind, request, created, started, tools=tools)
                    return outcome
            else:
                outcome.warnings.append(
                    "Validation was switched off (--no-validate): only the sandbox stands "
                    "between this script and the machine."
                )
            if approve is not None and not approve(source):
                outcome.status = "rejected"
                outcome.error = "The script was not approved; nothing ran."
                self._finish(folder, outcome, kind, request, created, started, tools=tools)
                return outcome
            self.ensure_database()
            self._execute(folder, outcome, tools, None, on_log, on_tick, early)
        finally:
            if early is not None:
                early.close()
        self._finish(folder, outcome, kind, request, created, started, tools=tools)
        return outcome

    def _early_executor(self, source: str) -> EarlyExecutor | None:
        """A fresh executor, started now (None: the caller gave a long-lived one).

        With bwrap it starts a sandbox for this script right away, importing what the script
        imports, so that the sandbox boots while the script is validated. The script itself is
        sent only once it has passed; a rejected script's sandbox is killed unused.
        """
        if self._executor is not None:
            return None
        from meta_agent.runtime import Executor
        from meta_agent.runtime.early import EarlyExecutor
        from meta_agent.runtime.pool import preload_for

        sandbox, limits, url = self.settings.sandbox, self.limits(), self.database_url
        pool_dir = self.runs_dir / ".pool"
        preload = preload_for(source)
        # The default portfolio may not exist yet: ensure_database() makes it before the run.
        warm = (
            not self.settings.uses_default_database or self.settings.default_database_path.exists()
        )

        def start() -> Executor:
            if warm:
                try:
                    pool_dir.mkdir(parents=True, exist_ok=True)
                    return Executor(
                        sandbox,
                        limits,
                        pool_size=1,
                        database_url=url,
                        pool_dir=pool_dir,
                        prewarm_only=True,
                        preload=preload,
                    )
                except (MetaAgentError, OSError):
                    pass  # a cold sandbox then meets the problem and reports it
            return Executor(sandbox, limits)

        return EarlyExecutor(start)

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
        from meta_agent.runtime import Executor, RunSpec

        uses_network = any(
            "uses_network" in self.registry.get(name).side_effects
            for name in tools
            if name in self.registry
        )
        spec = RunSpec(
            script=folder.script,
            run_dir=folder.root,
            database_url=self.database_url,
            allowed_hosts=list(self.settings.allowed_hosts) if uses_network else [],
            secrets=self._secrets(uses_network),
            expected_outputs=expected,
            on_log=on_log,
            on_tick=on_tick,
        )
        with _timed(outcome.phases, "execute"):
            try:
                chosen = executor or self._executor
                if chosen is not None:
                    result = chosen.run(spec)
                else:
                    with Executor(self.settings.sandbox, self.limits()) as fresh:
                        result = fresh.run(spec)
            except MetaAgentError as exc:
                outcome.status, outcome.error = "failed", str(exc)
                return
        self._absorb(outcome, result)
        with _timed(outcome.phases, "collect"):
            outcome.artifacts = folder.artifacts()
            outcome.summary = _read_summary(folder.results / "results.json")

    def limits(self) -> Limits:
        """The sandbox limits in force."""
        from meta_agent.runtime import Limits

        return Limits.from_settings(self.settings)

    def _secrets(self, uses_network: bool) -> dict[str, str]:
        if not uses_network:
            return {}
        s = self.settings
        secrets: dict[str, str] = {}
        if s.external_api_key is not None:
            secrets["META_AGENT_EXTERNAL_API_KEY"] = s.external_api_key.get_secret_value()
        if s.allowed_hosts:
            secrets["META_AGENT_ALLOWED_HOSTS"] = json.dumps(list(s.allowed_hosts))
        for name, value in (("GEOCODER_URL", s.geocoder_url), ("CENSUS_URL", s.census_url)):
            if value:
                secrets[f"META_AGENT_{name}"] = value
        return secrets

    @staticmethod
    def _absorb(outcome: RunOutcome, result: RunResult) -> None:
        outcome.status = result.status
        outcome.error = result.error
        outcome.warnings.extend(result.warnings)
        outcome.resources = {
            "backend": result.backend,
            "wall_seconds": round(result.wall_seconds, 4),
            "cpu_seconds": round(result.cpu_seconds, 4),
            "peak_memory_mb": round(result.peak_memory_mb, 2),
            "exit_code": result.exit_code,
            "limits": _as_dict(result.limits),
        }

    def _tools_imported(self, source: str) -> list[str]:
        """Registered tools a script imports (best effort; the validator does the real check)."""
        import ast

        try:
            tree = ast.parse(source)
        except SyntaxError:
            return []
        names = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        ]
        return [name for name in names if name in self.registry]

    # --- archive ----------------------------------------------------------------------------

    def _finish(
        self,
        folder: RunFolder,
        outcome: RunOutcome,
        kind: str,
        request: str,
        created: str,
        started: float,
        plan: ExecutionPlan | None = None,
        tools: list[str] | None = None,
    ) -> None:
        from meta_agent import __version__

        tools = plan.tools_used() if plan is not None else (tools or [])
        outcome.phases["total"] = time.perf_counter() - started
        if outcome.script is None and folder.script.exists():
            outcome.script = folder.script
        versions = {
            name: self.registry.get(name).version for name in tools if name in self.registry
        }
        manifest = build_manifest(
            folder.root,
            run_id=folder.run_id,
            kind=kind,
            request=request,
            status=outcome.status,
            error=outcome.error,
            created_at=created,
            finished_at=_now(),
            meta_agent_version=__version__,
            plan_hash=plan.content_hash() if plan is not None else None,
            phases_seconds={k: round(v, 4) for k, v in outcome.phases.items()},
            resources=outcome.resources,
            tool_versions=versions,
            interpretations=outcome.interpretations,
            findings=[f.__dict__ for f in outcome.findings],
            warnings=outcome.warnings,
            artifacts=outcome.artifacts,
            dry_run=outcome.dry_run,
        )
        folder.write_json("manifest.json", manifest)
        with RunHistory(self.runs_dir) as history:
            history.record(
                RunRecord(
                    run_id=folder.run_id,
                    kind=kind,
                    request=request,
                    status=outcome.status,
                    created_at=created,
                    finished_at=manifest["finished_at"],
                    duration_seconds=outcome.phases.get("execute"),
                    run_dir=str(folder.root),
                    error=outcome.error,
                    backend=outcome.resources.get("backend"),
                    peak_memory_mb=outcome.resources.get("peak_memory_mb"),
                    cpu_seconds=outcome.resources.get("cpu_seconds"),
                    tools_used=tools,
                    plan_hash=manifest["plan_hash"],
                )
            )

    def rerun(
        self,
        run_id: str,
        on_log: LogSink | None = None,
        on_tick: TickSink | None = None,
    ) -> RunOutcome:
        """Re-execute an archived script and say whether the results are identical."""
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
            outcome.identical, outcome.differences = compare_results(
                old.results, outcome.run_dir / "results"
            )
        return outcome

    def archive(self, run_id: str, output: Path | None = None) -> Path:
        """Pack a run folder into a .tar.gz (default: next to the runs folder's runs)."""
        import tarfile

        with RunHistory(self.runs_dir) as history:
            record = history.get(run_id)
        root = Path(record.run_dir)
        if not root.is_dir():
            raise ExecutionError(f"The folder of run {record.run_id} is gone: {root}")
        target = output or self.runs_dir / "archives" / f"{record.run_id}.tar.gz"
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        with tarfile.open(temporary, "w:gz") as tar:
            tar.add(root, arcname=record.run_id, filter=_no_links)
        temporary.replace(target)
        return target


DOCUMENT_SUFFIXES = (".pdf", ".xlsx", ".png", ".svg")  # they embed their generation time


def compare_results(old: Path, new: Path) -> tuple[bool, list[str]]:
    """Compare two results folders: data files byte for byte (sha256), documents by presence.

    PDFs, workbooks and charts carry the time they were made, so two faithful runs never match
    byte for byte; what must match is the data they were made from (CSV, JSON, Markdown).
    """
    from meta_agent.archive.manifest import file_inventory

    before = file_inventory(old, skip=()) if old.is_dir() else {}
    after = file_inventory(new, skip=()) if new.is_dir() else {}
    differences = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            differences.append(f"{name}: missing from the re-run")
        elif name not in before:
            differences.append(f"{name}: new in the re-run")
        elif name.lower().endswith(DOCUMENT_SUFFIXES):
            continue
        elif before[name]["sha256"] != after[name]["sha256"]:
            differences.append(f"{name}: content differs")
    return not differences, differences


def _no_links(member: Any) -> Any:
    return None if member.issym() or member.islnk() else member


def _read_summary(path: Path) -> dict[str, Any]:
    """The script's results.json, parsed as plain JSON and nothing else."""
    if not path.is_file() or path.is_symlink():
        return {}
    if path.stat().st_size > MAX_RESULTS_JSON_BYTES:
        return {"error": "results.json is larger than the summary limit; not read"}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {"error": "results.json is not valid JSON"}
    return data if isinstance(data, dict) else {"value": data}


def _as_dict(value: Any) -> dict[str, Any]:
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return dict(value.model_dump())
    return dict(value) if isinstance(value, dict) else {"value": str(value)}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@contextmanager
def _timed(phases: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - start
