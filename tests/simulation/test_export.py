"""Exported files: the workbook's sheets in order, percent shocks as decimals, large tables in CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from meta_agent.simulation import SimulationRunner, parse_grid
from meta_agent.simulation import export as export_module
from meta_agent.simulation.export import export_batch
from meta_agent.simulation.montecarlo import MonteCarloSpec, run_monte_carlo


def test_workbook_sheets_charts_and_decimals(sample_db_url: str, tmp_path: Path) -> None:
    runner = SimulationRunner()
    batch = runner.run_batch_simulations(None, parse_grid("noi 0,-10,-20 x rate 0,100"))
    result = run_monte_carlo(runner.portfolio, MonteCarloSpec(draws=500, seed=1))
    paths = export_batch(batch, tmp_path, monte_carlo=result)
    names = {p.name for p in paths}
    assert {"comparison.csv", "property_results.csv", "simulation.xlsx", "dscr_vs_noi.png",
            "at_risk_heatmap.png", "tornado.png", "monte_carlo_dscr.png", "monte_carlo_fan.png",
            "breach_probabilities.png", "monte_carlo_percentiles.csv",
            "monte_carlo_fan.csv"} <= names  # fmt: skip
    book = load_workbook(tmp_path / "simulation.xlsx")
    assert book.sheetnames == [
        "Summary", "Comparison", "Properties", "Monte Carlo", "Monte Carlo by month",
        "Breach probabilities",
    ]  # fmt: skip
    months = [row[0].value for row in book["Monte Carlo by month"].iter_rows(min_row=2)]
    assert months == list(range(13))
    sheet = book["Comparison"]
    header = [c.value for c in sheet[1]]
    noi = header.index("noi_change_pct")
    values = [row[noi].value for row in sheet.iter_rows(min_row=2)]
    assert values == pytest.approx([0.0, 0.0, -0.1, -0.1, -0.2, -0.2])
    assert "%" in sheet.cell(row=2, column=noi + 1).number_format
    assert sheet._images or sheet._charts  # the charts sit beside the table


def test_a_table_larger_than_a_sheet_stays_in_csv(
    sample_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "MAX_SHEET_ROWS", 100)
    batch = SimulationRunner().run_batch_simulations(None, parse_grid("noi 0,-10"))
    export_batch(batch, tmp_path)
    book = load_workbook(tmp_path / "simulation.xlsx")
    assert "Properties" not in book.sheetnames
    summary = " ".join(str(c.value) for row in book["Summary"].iter_rows() for c in row)
    assert "property_results.csv" in summary
    assert (tmp_path / "property_results.csv").read_text().count("\n") == 121
