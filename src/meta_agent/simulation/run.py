"""A simulation as a run: its folder, the scenario set as understood, results, manifest, history.

``run_simulation`` is what ``meta-agent simulate`` calls. It gathers the scenarios (a file, a
grid, CLI lists), adds the base case when shocks are run without one, runs the batch and the
Monte Carlo draws, writes the comparison files and charts into ``results/``, and records the run
as every run is recorded (``archive.record``), whatever its end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from meta_agent.archive.record import now_iso, record_run
from meta_agent.archive.run_folder import RunFolder
from meta_agent.errors import Finding, MetaAgentError, ScenarioInvalid, ScriptRejected
from meta_agent.simulation.loading import (
    BASE_NAME,
    combine,
    load_scenario_file,
    parse_grid,
    scenarios_from_lists,
)
from meta_agent.simulation.parameters import Scenario, ShockParameters

if TYPE_CHECKING:
    from meta_agent.config import Settings
    from meta_agent.simulation.distributed import CeleryExecutor
    from meta_agent.simulation.montecarlo import MonteCarloResult, MonteCarloSpec
    from meta_agent.simulation.runner import BatchResult

RUN_KIND = "simulation"
MAX_SCRIPT_WORKERS = 4


@dataclass(frozen=True)
class SimulationRequest:
    """What to simulate: any of a scenario file, a grid, CLI lists and a Monte Carlo spec."""

    file: Path | None = None
    request: str | None = None
    grid: str | None = None
    lists: dict[str, str | None] = field(default_factory=dict)
    monte_carlo: MonteCarloSpec | None = None
    script: Path | None = None  # script-driven: each scenario is a sandboxed run of it
    executor: Literal["local", "celery"] = "local"
    queue: str | None = None  # the Celery queue; None: distributed.DEFAULT_QUEUE
    # Threads (shocks, Monte Carlo chunks) or sandboxes (a script's scenarios); None: one
    # thread, and a sandbox per core for a script (``script_workers``).
    workers: int | None = None

    def describe(self) -> str:
        """The request as a command line, for the run's record."""
        parts = ["simulate"]
        if self.file is not None:
            parts.append(str(self.file))
        if self.request:
            parts.append(f"--request {self.request!r}")
        if self.script is not None:
            parts.append(f"--script {self.script}")
        if self.grid:
            parts.append(f"--grid {self.grid!r}")
        parts += [f"--{k} {v}" for k, v in self.lists.items() if v is not None]
        if self.monte_carlo is not None:
            parts.append(self.monte_carlo.describe())
        if self.executor != "local":
            parts.append(f"--executor {self.executor}")
        if self.workers is not None:
            parts.append(f"--workers {self.workers}")
        return " ".join(parts)


@dataclass
class SimulationRun:
    """A finished simulation run; the fields ``archive.record`` needs, and the results."""

    folder: RunFolder
    status: str = "failed"
    error: str | None = None
    phases: dict[str, float] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    interpretations: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)
    dry_run: bool = False
    batch: BatchResult | None = None
    monte_carlo: MonteCarloResult | None = None

    def to_json(self) -> dict[str, Any]:
        """The one object ``simulate --json`` prints."""
        return {
            "run_id": self.folder.run_id,
            "status": self.status,
            "run_dir": str(self.folder.root),
            "artifacts": self.artifacts,
            "results": [r.to_json() for r in self.batch.results] if self.batch else [],
            "monte_carlo": self.monte_carlo.summary() if self.monte_carlo else None,
            "warnings": self.warnings,
            "error": self.error,
        }


def gather_scenarios(
    request: SimulationRequest,
    database_url: str | None = None,
    default_threshold: float | None = None,
) -> tuple[list[Scenario], float | None, list[str]]:
    """The scenario set of a request in order (file, request, grid, lists), base case first for
    shocks; with the threshold a file or request named and how a request was understood."""
    threshold = None
    notes: list[str] = []
    sets: list[list[Scenario]] = []
    if request.file is not None:
        loaded = load_scenario_file(request.file)
        sets.append(loaded.scenarios)
        threshold = loaded.threshold
    if request.request:
        from meta_agent.simulation.from_request import scenarios_from_request

        read = scenarios_from_request(request.request, database_url, default_threshold)
        sets.append(read.scenarios)
        threshold = threshold or read.threshold
        notes = read.interpretations
    if request.grid:
        sets.append(parse_grid(request.grid))
    if any(v is not None for v in request.lists.values()):
        sets.append(scenarios_from_lists(request.lists))
    scenarios = combine(*sets)
    if not scenarios and request.monte_carlo is None:
        raise ScenarioInvalid(
            "Nothing to simulate: give a scenario file, --request, --grid, --noi/--rate lists or "
            "--monte-carlo."
        )
    shocks = [s.parameters for s in scenarios if isinstance(s.parameters, ShockParameters)]
    if (shocks or request.monte_carlo is not None) and not any(_is_base(s) for s in shocks):
        if any(s.name == BASE_NAME for s in scenarios):
            raise ScenarioInvalid(
                f"A scenario is named {BASE_NAME!r} but shocks something; that name is kept for "
                "the unshocked portfolio."
            )
        # Shocks that all cover the same group are compared with that group unshocked.
        groups = {_filters(s) for s in shocks}
        group = dict(groups.pop()) if len(groups) == 1 else {}
        scenarios.insert(0, Scenario.build(BASE_NAME, {k: list(v) for k, v in group.items()}))
    return scenarios, threshold, notes


def run_simulation(settings: Settings, request: SimulationRequest) -> SimulationRun:
    """Run a simulation into a new run folder and record it; the run, whatever its status.

    Errors in the request itself (a bad file, grid or list) are raised before any folder exists.
    """
    if request.request or request.script is not None:
        from meta_agent.portfolio.provision import ensure_default_portfolio

        ensure_default_portfolio(settings)
    if request.script is not None:
        return _run_script_simulation(settings, request)
    scenarios, named_threshold, notes = gather_scenarios(
        request, settings.resolved_database_url, settings.at_risk_threshold
    )
    threshold = named_threshold or settings.at_risk_threshold
    executor = _celery(settings, request) if request.executor == "celery" else None
    runs_dir = settings.resolved_runs_dir
    folder = RunFolder.create(runs_dir, request.describe())
    created_at = now_iso()
    run = SimulationRun(folder)
    run.interpretations = notes + [_understood(s) for s in scenarios]
    folder.write_json(
        "scenarios.json",
        {
            "threshold": threshold,
            "scenarios": [
                {"name": s.name, "kind": s.kind, "parameters": s.parameter_values(), "line": s.line}
                for s in scenarios
            ],
            "monte_carlo": request.monte_carlo.to_json() if request.monte_carlo else None,
        },
    )
    try:
        _execute(settings, run, scenarios, request, threshold, executor)
    except MetaAgentError as error:
        run.status, run.error = "failed", str(error)
    except KeyboardInterrupt:
        run.status, run.error = "cancelled", "Cancelled before the simulation finished."
        _record(settings, folder, run, request, created_at)
        raise
    except Exception as error:
        run.status, run.error = "failed", f"Internal error: {type(error).__name__}: {error}"
        _record(settings, folder, run, request, created_at)
        raise
    _record(settings, folder, run, request, created_at)
    return run


def gather_script_scenarios(
    request: SimulationRequest, database_url: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """(name, values) for a script: from the file as written, then request, grid and lists."""
    from meta_agent.simulation.loading import load_script_scenarios

    if request.monte_carlo is not None or request.executor != "local":
        raise ScenarioInvalid(
            "A script-driven simulation runs its scenarios locally, without --monte-carlo; drop "
            "--executor celery / --monte-carlo, or the --script."
        )
    pairs = load_script_scenarios(request.file) if request.file is not None else []
    shocks = SimulationRequest(request=request.request, grid=request.grid, lists=request.lists)
    if shocks.request or shocks.grid or any(v is not None for v in shocks.lists.values()):
        scenarios, _, _ = gather_scenarios(shocks, database_url)
        pairs += [(s.name, s.parameter_values()) for s in scenarios if s.name != BASE_NAME]
    if not pairs:
        raise ScenarioInvalid("Nothing to simulate: give the script a scenario file or shocks.")
    return pairs


def _run_script_simulation(settings: Settings, request: SimulationRequest) -> SimulationRun:
    """Each scenario a sandboxed run of the script, its folder under the run's scenarios/."""
    from meta_agent.simulation.runner import BatchResult, SimulationRunner

    if request.script is None:
        raise ValueError("a script-driven simulation needs its script")
    pairs = gather_script_scenarios(request, settings.resolved_database_url)
    runs_dir = settings.resolved_runs_dir
    folder = RunFolder.create(runs_dir, request.describe())
    created_at = now_iso()
    run = SimulationRun(folder)
    run.interpretations = [f"{n} (script): {_values(p)}" for n, p in pairs]
    items = [{"name": n, "kind": "script", "parameters": p} for n, p in pairs]
    folder.write_json("scenarios.json", {"script": str(request.script), "scenarios": items})
    threshold = settings.at_risk_threshold
    try:
        started = time.perf_counter()
        workers = request.workers or script_workers()
        runner = SimulationRunner(threshold=threshold, settings=settings, workers=workers)
        batch = runner.run_batch_simulations(request.script, items, folder.root / "scenarios")
        run.batch = BatchResult(batch.results, batch.properties, threshold)
        run.phases["simulate"] = time.perf_counter() - started
        _finish(run, request)
    except ScriptRejected as error:
        run.status, run.error = "rejected", str(error)
        run.findings = list(error.findings)
    except MetaAgentError as error:
        run.status, run.error = "failed", str(error)
    except BaseException as error:
        run.status, run.error = "failed", f"{type(error).__name__}: {error}"
        _record(settings, folder, run, request, created_at)
        raise
    _record(settings, folder, run, request, created_at)
    return run


def script_workers() -> int:
    """Sandboxes for a script's scenarios when none are asked for: one per core, at most
    MAX_SCRIPT_WORKERS (each holds the data stack, ~100 MB)."""
    import os

    return max(1, min(os.cpu_count() or 1, MAX_SCRIPT_WORKERS))


def _finish(run: SimulationRun, request: SimulationRequest) -> None:
    """Export the batch and set the run's status from its scenarios."""
    from meta_agent.simulation.export import export_batch

    if run.batch is None:
        raise ValueError("no batch to finish")
    started = time.perf_counter()
    export_batch(
        run.batch, run.folder.results, monte_carlo=run.monte_carlo, request=request.describe()
    )
    run.phases["export"] = time.perf_counter() - started
    failed = run.batch.failed
    run.warnings = [f"Scenario {r.name!r} failed: {r.error}" for r in failed]
    if failed and len(failed) == len(run.batch.results):
        run.status, run.error = "failed", "Every scenario failed; see the warnings."
    else:
        run.status = "partial" if failed else "succeeded"
    run.folder.write_json("results/results.json", run.to_json())
    run.artifacts = run.folder.artifacts()


def _values(parameters: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in parameters.items()) or "no parameters"


def _execute(
    settings: Settings,
    run: SimulationRun,
    scenarios: list[Scenario],
    request: SimulationRequest,
    threshold: float,
    executor: CeleryExecutor | None,
) -> None:
    from meta_agent.portfolio.provision import ensure_default_portfolio
    from meta_agent.simulation.runner import SimulationRunner

    started = time.perf_counter()
    if any(s.kind == "shock" for s in scenarios) or request.monte_carlo is not None:
        ensure_default_portfolio(settings)
    url = settings.resolved_database_url
    runner = SimulationRunner(database_url=url, threshold=threshold, workers=request.workers or 1)
    if executor is None:
        run.batch = runner.run_batch_simulations(None, scenarios)
    else:
        run.batch = executor.run_batch(scenarios, url, threshold)
        run.resources["executor"] = f"celery ({executor.queue})"
    run.phases["simulate"] = time.perf_counter() - started
    if request.monte_carlo is not None:
        from meta_agent.simulation.montecarlo import run_monte_carlo

        started = time.perf_counter()
        spec = request.monte_carlo
        if executor is None:
            run.monte_carlo = run_monte_carlo(runner.portfolio, spec, threshold)
        else:
            run.monte_carlo = executor.run_monte_carlo(runner.portfolio, spec, url, threshold)
        run.phases["monte_carlo"] = time.perf_counter() - started
    _finish(run, request)


def _celery(settings: Settings, request: SimulationRequest) -> CeleryExecutor:
    """The Celery executor, checked (Redis and a worker answer) before any run folder exists."""
    from meta_agent.simulation.distributed import DEFAULT_QUEUE, CeleryExecutor

    executor = CeleryExecutor(settings.redis_url, request.queue or DEFAULT_QUEUE)
    executor.check()
    return executor


def _record(
    settings: Settings,
    folder: RunFolder,
    run: SimulationRun,
    request: SimulationRequest,
    created_at: str,
) -> None:
    run.artifacts = folder.artifacts()
    run.phases.setdefault("execute", sum(run.phases.values()))
    record_run(
        settings.resolved_runs_dir,
        folder,
        run,
        kind=RUN_KIND,
        request=request.describe(),
        created_at=created_at,
        history_url=settings.history_url,
    )


def _is_base(params: ShockParameters) -> bool:
    return not any(params.shocks().values())


def _filters(params: ShockParameters) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(
        (name, tuple(values))
        for name in ("property_types", "markets", "property_ids")
        if (values := getattr(params, name)) is not None
    )


def _understood(scenario: Scenario) -> str:
    values = ", ".join(f"{k}={v}" for k, v in scenario.parameter_values().items()) or "no shock"
    return f"{scenario.name} ({scenario.kind}): {values}"
