"""``meta-agent simulate``: scenario sets, grids and Monte Carlo runs, compared on the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from meta_agent.cli.run_commands import DatabaseOption, JsonOption, RunsDirOption

if TYPE_CHECKING:
    from meta_agent.simulation.run import SimulationRun

# A run's exit code by status: some scenarios failed (partial) or all did (failed) exits 1; a
# script refused by validation exits 3, as `exec` does.
EXIT_FOR_STATUS = {"succeeded": 0, "rejected": 3}
# The figures on the terminal, with headers short enough for 80 columns.
SHOWN = {
    "dscr": "DSCR", "dscr_change": "Δ DSCR", "at_risk_count": "At risk", "at_risk_change": "Δ risk",
    "min_dscr": "Min DSCR", "aggregate_ltv": "LTV", "debt_yield": "Debt yield", "ltv": "LTV",
    "cap_rate": "Cap rate", "break_even_occupancy": "BE occ.",
}  # fmt: skip
MAX_NOTES_SHOWN = 12  # beyond this (a grid), the run folder's manifest lists them
CAPTION = "DSCR of a portfolio scenario is the aggregate DSCR of its properties with debt."
QueueOption = Annotated[
    str | None, typer.Option(help="Celery queue (default: meta-agent-simulation).")
]
ListOption = Annotated[str | None, typer.Option(help="Comma-separated values, one scenario each.")]


def simulate(
    file: Annotated[
        Path | None,
        typer.Argument(help="Scenario file (YAML or JSON).", exists=True, dir_okay=False),
    ] = None,
    request: Annotated[
        str | None,
        typer.Option(
            help="Shocks in plain English, e.g. 'what if NOI falls 15% and rates rise 100 bp'."
        ),
    ] = None,
    script: Annotated[
        Path | None,
        typer.Option(
            help="Run this script once per scenario in the sandbox (it declares SCENARIO_PARAMETERS).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    grid: Annotated[
        str | None,
        typer.Option(help="Cross product, e.g. 'noi -10..-40 step 10 x rate 0..300 step 100'."),
    ] = None,
    noi: ListOption = None,
    rate: ListOption = None,
    cap: ListOption = None,
    vacancy: ListOption = None,
    expenses: ListOption = None,
    monte_carlo: Annotated[
        int | None, typer.Option("--monte-carlo", help="Number of Monte Carlo draws.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the Monte Carlo draws.")] = 0,
    noi_dist: Annotated[
        str,
        typer.Option(
            help="NOI growth %: normal:M,SD | lognormal:MU,S | triangular:L,M,H | historical."
        ),
    ] = "normal:0,10",
    rate_dist: Annotated[
        str, typer.Option(help="Rate shift bp: normal:M,SD | lognormal:MU,S | triangular:L,M,H.")
    ] = "normal:0,100",
    horizon: Annotated[
        int,
        typer.Option(
            min=1,
            max=120,
            help="Months of each Monte Carlo draw's monthly NOI and rate path (the fan chart); "
            "the drawn growth and shift are reached at the horizon.",
        ),
    ] = 12,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Run side by side: a script's scenarios in this many bwrap sandboxes (default: "
            "one per core, up to 4; docker and process run them one by one), shock scenarios "
            "and Monte Carlo chunks on this many threads (default 1). Same results for any N.",
        ),
    ] = None,
    executor: Annotated[
        str, typer.Option(help="local, or celery: chunks go to `meta-agent worker` processes.")
    ] = "local",
    queue: QueueOption = None,
    as_json: JsonOption = False,
    database: DatabaseOption = None,
    runs_dir: RunsDirOption = None,
) -> None:
    """Run scenarios (deal values or portfolio shocks) and compare them; writes a run folder."""
    from meta_agent.config import load_settings
    from meta_agent.simulation.montecarlo import Distribution, MonteCarloSpec
    from meta_agent.simulation.run import SimulationRequest, run_simulation

    settings = load_settings(database_url=database, runs_dir=runs_dir)
    spec = None
    if monte_carlo is not None:
        spec = MonteCarloSpec(
            draws=monte_carlo,
            seed=seed,
            noi=Distribution.parse(noi_dist, "noi"),
            rate=Distribution.parse(rate_dist, "rate"),
            workers=workers or 1,
            horizon_months=horizon,
        )
    lists = {"noi": noi, "rate": rate, "cap": cap, "vacancy": vacancy, "expenses": expenses}
    if executor not in ("local", "celery"):
        raise typer.BadParameter("use local or celery", param_hint="--executor")
    asked = SimulationRequest(
        file=file, request=request, grid=grid, lists=lists, monte_carlo=spec, script=script,
        executor="celery" if executor == "celery" else "local", queue=queue, workers=workers,
    )  # fmt: skip
    run = run_simulation(settings, asked)
    if as_json:
        sys.stdout.write(json.dumps(run.to_json(), default=str) + "\n")
    else:
        show_run(run)
    raise typer.Exit(EXIT_FOR_STATUS.get(run.status, 1))


def worker(
    concurrency: Annotated[int, typer.Option(help="Tasks run at once (pool processes).")] = 1,
    queue: QueueOption = None,
    redis: Annotated[
        str | None, typer.Option(help="Redis URL (default: META_AGENT_REDIS_URL or local).")
    ] = None,
    visibility_timeout: Annotated[
        float, typer.Option(help="Seconds before a dead worker's task goes to another worker.")
    ] = 20.0,
) -> None:
    """Start a Celery worker that runs simulation chunks sent by `simulate --executor celery`."""
    from meta_agent.config import load_settings
    from meta_agent.simulation.distributed import DEFAULT_QUEUE, start_worker

    settings = load_settings(redis_url=redis)
    start_worker(settings.redis_url, queue or DEFAULT_QUEUE, concurrency, visibility_timeout)


def show_run(run: SimulationRun) -> None:
    """The comparison table, Monte Carlo bands, failures and where the files are."""
    from rich.table import Table

    from meta_agent.cli.render import console, warn
    from meta_agent.reporting import style
    from meta_agent.simulation.compare import comparison_table

    out = console()
    if run.batch is not None:
        comparison = comparison_table(run.batch.results)
        columns = [
            c for c in SHOWN if c in comparison.columns and comparison[c].nunique(dropna=True) > 1
        ]
        table = Table(
            title="Scenario comparison",
            title_justify="left",
            caption=CAPTION if (comparison["kind"] == "shock").any() else None,
        )
        table.add_column("Scenario", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        for column in columns:
            table.add_column(SHOWN[column], justify="right")
        for row in comparison.itertuples(index=False):
            values = row._asdict()
            table.add_row(
                str(values["scenario"]),
                "ok" if values["status"] == "succeeded" else str(values["status"]),
                *[
                    "" if style.is_missing(values[c]) else style.format_value(c, values[c])
                    for c in columns
                ],
            )
        out.print(table)
    if run.monte_carlo is not None:
        mc = run.monte_carlo.summary()
        bands = mc["aggregate_dscr"], mc["at_risk_count"]
        out.print(
            f"Monte Carlo, {mc['draws']:,} draws (seed {mc['seed']}), at "
            f"{mc['horizon_months']} months: aggregate DSCR "
            f"P5 {style.format_ratio(bands[0]['p5'])}, P50 {style.format_ratio(bands[0]['p50'])}, "
            f"P95 {style.format_ratio(bands[0]['p95'])}; at risk P5 {bands[1]['p5']:.0f}, "
            f"P50 {bands[1]['p50']:.0f}, P95 {bands[1]['p95']:.0f}."
        )
    for note in run.interpretations if len(run.interpretations) <= MAX_NOTES_SHOWN else []:
        out.print(f"[dim]Understood: {note}[/]", highlight=False)
    for message in run.warnings:
        warn(out, message)
    if run.error:
        warn(out, run.error)
    out.print(f"Status: {run.status}. Run folder: {run.folder.root}")
