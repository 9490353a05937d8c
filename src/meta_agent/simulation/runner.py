"""``SimulationRunner``: define scenarios, run one or a batch, compare them and export the results.

Deal scenarios get the deal metrics; portfolio shock scenarios are computed together, as arrays
of scenarios x properties (``shocks.apply_shocks``), never one Python pass per scenario; the
figures of NOI and rate shocks over the whole portfolio come from one sort per rate level
(``uniform``). A scenario that cannot run (a bad value, a shock that breaks a definition) is
recorded as failed with its reason and the batch goes on.

Without a script, scenarios run the built-in analysis (deal metrics, or the at-risk analysis for
shocks); with one, each scenario is a sandboxed run of that script (``scripted``).
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from meta_agent.errors import MetaAgentError, ScenarioInvalid
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
from meta_agent.simulation.deal import deal_metrics
from meta_agent.simulation.parameters import DealParameters, Scenario, ShockParameters
from meta_agent.simulation.portfolio_data import PortfolioArrays, load_portfolio
from meta_agent.simulation.scenarios import check_threshold
from meta_agent.simulation.shocks import ShockGrid, apply_shocks, shock_summary
from meta_agent.simulation.uniform import is_uniform, uniform_summary

if TYPE_CHECKING:
    from meta_agent.config import Settings

logger = logging.getLogger(__name__)

Status = Literal["succeeded", "failed"]
PROPERTY_COLUMNS = [
    "scenario", "property_id", "name", "property_type", "market", "noi", "debt_service", "dscr",
    "status", "at_risk", "value", "occupancy",
]  # fmt: skip


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's outcome: its figures by name (``dscr`` among them), or why it failed."""

    name: str
    kind: str
    parameters: dict[str, Any]
    status: Status
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON (NaN written as null)."""
        return {
            "scenario": self.name,
            "kind": self.kind,
            "parameters": self.parameters,
            "status": self.status,
            "summary": {k: _plain(v) for k, v in self.summary.items()},
            "error": self.error,
        }


@dataclass(frozen=True)
class BatchResult:
    """A batch's results in scenario order, and per property and scenario the shocked figures."""

    results: list[ScenarioResult]
    properties: pd.DataFrame
    threshold: float

    @property
    def failed(self) -> list[ScenarioResult]:
        return [r for r in self.results if r.status == "failed"]


class SimulationRunner:
    """Runs scenarios over one portfolio (read on first need) with one DSCR threshold."""

    def __init__(
        self,
        portfolio: PortfolioArrays | None = None,
        *,
        database_url: str | None = None,
        threshold: float = DEFAULT_AT_RISK_THRESHOLD,
        settings: Settings | None = None,
        workers: int = 1,
    ) -> None:
        """Args:
        workers: threads over the shock scenarios (in contiguous parts) and sandboxes side
            by side for a script's scenarios; the results are the same for any number.
        """
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.settings = settings  # needed by script-driven scenarios only (sandbox, limits)
        self.workers = workers
        self._portfolio = portfolio
        self._database_url = database_url
        self.threshold = check_threshold(threshold)

    @property
    def portfolio(self) -> PortfolioArrays:
        """The portfolio's arrays, read from the database the first time they are needed."""
        if self._portfolio is None:
            self._portfolio = load_portfolio(self._database_url)
        return self._portfolio

    def define_scenario(self, name: str, parameters: Mapping[str, Any]) -> Scenario:
        """A checked scenario; ``ScenarioInvalid`` names the scenario and field otherwise."""
        return Scenario.build(name, parameters)

    def run_single_simulation(
        self, script: Path | str | None, scenario: Scenario | Mapping[str, Any]
    ) -> ScenarioResult:
        """One scenario's result (failed with its reason rather than raised)."""
        return self.run_batch_simulations(script, [scenario]).results[0]

    def run_batch_simulations(
        self,
        script: Path | str | None,
        scenarios: Iterable[Scenario | Mapping[str, Any]],
        folder: Path | None = None,
    ) -> BatchResult:
        """Every scenario, in order; shock scenarios computed together as one array.

        With a script, the script is validated once and run in the sandbox for each scenario
        (``scripted``), its run folders under ``folder`` (default: a new temporary folder).
        """
        if script is not None:
            return self._run_script(Path(script), scenarios, folder)
        checked: list[Scenario | ScenarioResult] = []
        names: set[str] = set()
        for index, spec in enumerate(scenarios):
            item = spec if isinstance(spec, Scenario) else _checked(spec, index)
            if isinstance(item, Scenario) and item.name in names:
                item = _failed(item, f"the name {item.name!r} is used by an earlier scenario")
            names.add(item.name)
            checked.append(item)
        shocks = [s for s in checked if isinstance(s, Scenario) and s.kind == "shock"]
        shock_results: dict[str, ScenarioResult] = {}
        properties = pd.DataFrame(columns=PROPERTY_COLUMNS)
        if shocks:
            shock_results, properties = self._run_shocks(shocks)
        results = []
        for item in checked:
            if isinstance(item, ScenarioResult):
                results.append(item)
            elif item.kind == "shock":
                results.append(shock_results[item.name])
            else:
                results.append(self._run_deal(item))
        logger.info(
            "simulation batch finished",
            extra={"scenarios": len(results), "failed": sum(r.status == "failed" for r in results)},
        )
        return BatchResult(results, properties, self.threshold)

    def compare_scenarios(self, results: BatchResult | Sequence[ScenarioResult]) -> pd.DataFrame:
        """One row per scenario: status, parameters and key figures, side by side."""
        items = results.results if isinstance(results, BatchResult) else list(results)
        from meta_agent.simulation.compare import comparison_table

        return comparison_table(items)

    def export_simulation_results(self, results: BatchResult, folder: Path) -> list[Path]:
        """CSV, an Excel workbook and charts of a batch in ``folder``; the paths written."""
        from meta_agent.simulation.export import export_batch

        return export_batch(results, folder)

    # --- the kinds ---------------------------------------------------------------------------

    def _run_script(
        self,
        script: Path,
        scenarios: Iterable[Scenario | Mapping[str, Any]],
        folder: Path | None,
    ) -> BatchResult:
        from meta_agent.simulation.scripted import run_script_scenarios

        if self.settings is None:
            raise ValueError("script-driven scenarios need SimulationRunner(settings=...)")
        pairs = [_pair(spec, index) for index, spec in enumerate(scenarios)]
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise ScenarioInvalid(f"Scenario {twice!r}: field 'name': the name is used twice.")
        folder = folder or Path(tempfile.mkdtemp(prefix="meta-agent-scenarios-"))
        results = run_script_scenarios(self.settings, script, pairs, folder, self.workers)
        return BatchResult(results, pd.DataFrame(columns=PROPERTY_COLUMNS), self.threshold)

    def _run_deal(self, scenario: Scenario) -> ScenarioResult:
        parameters = scenario.parameters
        if not isinstance(parameters, DealParameters):
            raise TypeError("a deal scenario holds DealParameters")
        try:
            summary = deal_metrics(parameters, self.threshold)
        except (ArithmeticError, ValueError, MetaAgentError) as exc:
            return _failed(scenario, f"{type(exc).__name__}: {exc}")
        return ScenarioResult(
            scenario.name, "deal", scenario.parameter_values(), "succeeded", dict(summary)
        )

    def _run_shocks(
        self, scenarios: list[Scenario]
    ) -> tuple[dict[str, ScenarioResult], pd.DataFrame]:
        data = self.portfolio
        runnable: list[Scenario] = []
        results: dict[str, ScenarioResult] = {}
        for scenario in scenarios:
            problem = _filter_problem(data, scenario)
            if problem:
                results[scenario.name] = _failed(scenario, problem)
            else:
                runnable.append(scenario)
        if not runnable:
            return results, pd.DataFrame(columns=PROPERTY_COLUMNS)
        parts = np.array_split(np.arange(len(runnable)), min(self.workers, len(runnable)))
        if len(parts) == 1:
            done = [self._shock_part(runnable, results)]
        else:
            with ThreadPoolExecutor(max_workers=len(parts)) as pool:  # numpy frees the GIL
                done = list(
                    pool.map(lambda p: self._shock_part(runnable[p[0] : p[-1] + 1], results), parts)
                )
        tables = [table for table in done if not table.empty]
        if not tables:
            return results, pd.DataFrame(columns=PROPERTY_COLUMNS)
        return results, pd.concat(tables, ignore_index=True)

    def _shock_part(
        self, runnable: list[Scenario], results: dict[str, ScenarioResult]
    ) -> pd.DataFrame:
        """Results of these scenarios into ``results``; their per-property table returned.

        Every figure of a scenario depends on that scenario alone, so a batch split into parts
        gives the figures of the whole batch.
        """
        data = self.portfolio
        params = [s.parameters for s in runnable if isinstance(s.parameters, ShockParameters)]
        grid = apply_shocks(data, params, self.threshold)  # for the per-property table
        if is_uniform(params):
            figures = uniform_summary(data, params, self.threshold)
        else:
            figures = shock_summary(data, grid)
        kept = []
        for row, scenario in enumerate(runnable):
            failure = grid.failures[row]
            if failure:
                results[scenario.name] = _failed(scenario, failure)
                continue
            kept.append(row)
            summary = {key: values[row].item() for key, values in figures.items()}
            summary = {"dscr": summary["aggregate_dscr"], **summary}
            results[scenario.name] = ScenarioResult(
                scenario.name, "shock", scenario.parameter_values(), "succeeded", summary
            )
        return property_table(data, grid, [s.name for s in runnable], kept)


def property_table(
    data: PortfolioArrays, grid: ShockGrid, names: Sequence[str], rows: Sequence[int]
) -> pd.DataFrame:
    """Per scenario and property in its group: the shocked figures and a status word."""
    pieces = []
    for row in rows:
        keep = grid.scope[row]
        dscr = grid.dscr[row, keep]
        status = np.where(
            np.isnan(dscr), "no debt", np.where(grid.at_risk[row, keep], "at risk", "ok")
        )
        pieces.append(
            pd.DataFrame(
                {
                    "scenario": names[row],
                    "property_id": data.property_ids[keep],
                    "name": data.names[keep],
                    "property_type": data.property_types[keep],
                    "market": data.markets[keep],
                    "noi": grid.noi[row, keep],
                    "debt_service": grid.debt_service[row, keep],
                    "dscr": dscr,
                    "status": status,
                    "at_risk": grid.at_risk[row, keep],
                    "value": grid.value[row, keep],
                    "occupancy": grid.occupancy[row, keep],
                }
            )
        )
    if not pieces:
        return pd.DataFrame(columns=PROPERTY_COLUMNS)
    return pd.concat(pieces, ignore_index=True)


def _pair(spec: Scenario | Mapping[str, Any], index: int) -> tuple[str, dict[str, Any]]:
    """(name, parameters) of a scenario for a script, whose parameters the script declares."""
    if isinstance(spec, Scenario):
        return spec.name, spec.parameter_values()
    name = spec.get("name") if isinstance(spec, Mapping) else None
    parameters = spec.get("parameters", {}) if isinstance(spec, Mapping) else None
    if not isinstance(name, str) or not name.strip() or not isinstance(parameters, Mapping):
        raise ScenarioInvalid(
            f"Scenario #{index + 1}: field 'scenario': give a name and a parameters mapping."
        )
    return name.strip(), dict(parameters)


def _checked(spec: Any, index: int) -> Scenario | ScenarioResult:
    """A scenario from a mapping, or a failed result saying what is wrong with it."""
    try:
        return Scenario.from_mapping(spec, index=index)
    except ScenarioInvalid as error:
        name = error.scenario or f"#{index + 1}"
        raw = spec.get("parameters") if isinstance(spec, Mapping) else None
        parameters = dict(raw) if isinstance(raw, Mapping) else {}
        return ScenarioResult(name, "invalid", parameters, "failed", {}, str(error))


def _filter_problem(data: PortfolioArrays, scenario: Scenario) -> str | None:
    params = scenario.parameters
    if not isinstance(params, ShockParameters) or not params.filtered:
        return None
    try:
        keep = data.mask(params.property_types, params.markets, params.property_ids)
    except MetaAgentError as exc:
        return str(exc)
    if not keep.any():
        return "its filters (property_types, markets, property_ids) keep no property"
    return None


def _failed(scenario: Scenario, reason: str) -> ScenarioResult:
    return ScenarioResult(
        scenario.name, scenario.kind, scenario.parameter_values(), "failed", {}, reason
    )


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
