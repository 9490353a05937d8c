"""Write a simulation's results: comparison CSV, per-property CSV, an Excel workbook and charts.

The workbook has the Summary sheet first (``reporting.excel``), then the comparison, the
properties and, for a Monte Carlo run, its percentiles, its bands month by month (the fan chart's
data) and breach probabilities; its charts are
native Excel charts plus the PNGs drawn here (``reporting.simulation_charts``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from meta_agent.reporting import simulation_charts as charts
from meta_agent.reporting.csv import write_csv
from meta_agent.reporting.excel import write_workbook
from meta_agent.simulation.compare import comparison_table

if TYPE_CHECKING:
    from meta_agent.simulation.montecarlo import MonteCarloResult
    from meta_agent.simulation.runner import BatchResult

WORKBOOK = "simulation.xlsx"
PERCENT_SHOCKS = ("noi_change_pct", "expense_growth_pct")
# Excel's limit is 1,048,576 rows a sheet; a larger table goes to its CSV only.
MAX_SHEET_ROWS = 1_000_000


def export_batch(
    batch: BatchResult,
    folder: Path,
    *,
    monte_carlo: MonteCarloResult | None = None,
    title: str = "Simulation",
    request: str | None = None,
) -> list[Path]:
    """Every file of a batch (and its Monte Carlo run) in ``folder``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    comparison = comparison_table(batch.results)
    written = [write_csv(folder / "comparison.csv", comparison)]
    sheets: dict[str, pd.DataFrame] = {"Comparison": _as_decimals(comparison)}
    notes: list[str] = []
    if not batch.properties.empty:
        written.append(write_csv(folder / "property_results.csv", batch.properties))
        if len(batch.properties) <= MAX_SHEET_ROWS:
            sheets["Properties"] = batch.properties
        else:
            notes.append(
                f"{len(batch.properties):,} property rows are more than a sheet holds; they are "
                "in property_results.csv"
            )
    drawn = [
        charts.dscr_vs_noi_chart(comparison, folder / "dscr_vs_noi.png", batch.threshold),
        charts.at_risk_heatmap(comparison, folder / "at_risk_heatmap.png"),
        charts.tornado_chart(comparison, folder / "tornado.png"),
    ]
    summary: dict[str, Any] = {
        "scenarios": len(batch.results),
        "failed": len(batch.failed),
        "threshold": batch.threshold,
    }
    if notes:
        summary["notes"] = notes
    if monte_carlo is not None:
        percentiles = monte_carlo.percentile_table()
        breaches = monte_carlo.breach_table()
        written.append(write_csv(folder / "monte_carlo_percentiles.csv", percentiles))
        written.append(write_csv(folder / "breach_probabilities.csv", breaches))
        fan = monte_carlo.fan_table()
        written.append(write_csv(folder / "monte_carlo_fan.csv", fan))
        sheets["Monte Carlo"] = percentiles
        sheets["Monte Carlo by month"] = fan
        sheets["Breach probabilities"] = breaches
        drawn.append(
            charts.fan_chart(
                fan, folder / "monte_carlo_fan.png", monte_carlo.threshold, monte_carlo.spec.draws
            )
        )
        drawn.append(
            charts.distribution_chart(
                monte_carlo.levels, monte_carlo.aggregate_dscr, folder / "monte_carlo_dscr.png",
                monte_carlo.threshold,
            )
        )  # fmt: skip
        drawn.append(
            charts.breach_chart(breaches, folder / "breach_probabilities.png", batch.threshold)
        )
        summary["monte_carlo"] = monte_carlo.summary()
    images = [path for path in drawn if path is not None]
    succeeded = comparison[comparison["status"] == "succeeded"]
    chart_specs: list[dict[str, Any]] = []
    if len(succeeded) > 1 and succeeded["dscr"].notna().any():
        chart_specs.append(
            {"sheet": "Comparison", "type": "bar", "x": "scenario", "y": "dscr",
             "title": "DSCR per scenario", "threshold": batch.threshold}
        )  # fmt: skip
    chart_specs += [{"sheet": "Comparison", "image": path.name} for path in images]
    written.append(
        write_workbook(
            folder / WORKBOOK,
            sheets,
            title=title,
            request=request,
            summary=summary,
            charts=chart_specs,
            threshold=batch.threshold,
        )
    )
    return written + images


def _as_decimals(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison for a sheet: shocks typed in percent (-10) as the decimals percent columns
    hold (-0.10), so Excel's percent format shows -10.0%; the CSV keeps them as typed."""
    sheet = comparison.copy()
    for column in PERCENT_SHOCKS:
        if column in sheet.columns:
            sheet[column] = pd.to_numeric(sheet[column], errors="coerce") / 100.0
    return sheet
