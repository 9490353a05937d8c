"""The executive report end to end on synthetic frames: files, figures in the PDF, workbook, summary."""

from __future__ import annotations

import datetime as dt
import time

import openpyxl
import pytest
from pypdf import PdfReader

from meta_agent.reporting import executive, style

REQUEST = "Generate monthly performance report for executive team"


@pytest.fixture(scope="module")
def report(tmp_path_factory, synthetic_portfolio):
    metrics, monthly, property_monthly = synthetic_portfolio(60, seed=42)
    folder = tmp_path_factory.mktemp("executive")
    figures = executive.build_report(
        metrics,
        monthly,
        folder,
        request=REQUEST,
        property_monthly=property_monthly,
        generated_at=dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC),
    )
    return folder, figures, metrics


def _pdf_text(folder) -> tuple[list[str], str]:
    pages = [page.extract_text() for page in PdfReader(folder / "executive_report.pdf").pages]
    return pages, "\n".join(pages)


def test_every_file_is_written(report) -> None:
    folder, figures, _ = report
    assert sorted(figures["files"]) == sorted(p.name for p in folder.iterdir())
    assert set(figures["files"]) >= {"executive_report.pdf", "executive_report.xlsx", "summary.md"}
    assert [p for p in figures["files"] if p.endswith(".png")]


def test_pdf_states_the_figures(report, render_pdf_page, tmp_path) -> None:
    folder, f, metrics = report
    pages, text = _pdf_text(folder)
    assert 3 <= len(pages) <= 8
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    assert REQUEST in pages[0] and "December 2025" in pages[0]
    for figure in (
        style.format_currency(f["latest_month_noi"]),
        style.format_percent(f["noi_mom_change_pct"], signed=True),
        style.format_percent(f["noi_yoy_change_pct"], signed=True),
        style.format_currency(f["t12_noi"]),
        style.format_percent(f["occupancy"]),
        f"{f['at_risk_count']} of {f['properties_with_debt']}",
    ):
        assert figure in pages[0], figure
    for name in metrics.loc[metrics["property_id"].isin(f["at_risk"]), "name"]:
        assert name in text
    for mover in f["movers"]:
        assert style.format_currency(mover["noi_change"]) in text
    for section in (
        "Debt service coverage",
        "Breakdown by property type",
        "Breakdown by market",
        "Largest movers",
        "Methodology and definitions",
    ):
        assert section in text
    assert "DSCR is T12 NOI divided by annual debt service" in text
    assert "same month a year earlier" in text
    render_pdf_page(folder / "executive_report.pdf", 1, tmp_path)
    render_pdf_page(folder / "executive_report.pdf", 2, tmp_path)


def test_workbook_holds_the_data_behind_every_figure(report) -> None:
    folder, f, metrics = report
    wb = openpyxl.load_workbook(folder / "executive_report.xlsx")
    assert wb.sheetnames[0] == "Summary"
    assert {
        "Monthly",
        "Properties",
        "At Risk",
        "DSCR Distribution",
        "By Property Type",
        "By Market",
        "Top Movers",
        "NOI Change",
    } <= set(wb.sheetnames)
    summary = {row[2]: row[1] for row in wb["Summary"].iter_rows(values_only=True) if row[2]}
    for key in (
        "latest_month_noi",
        "noi_mom_change",
        "noi_yoy_change",
        "t12_noi",
        "total_debt_service",
    ):
        assert round(summary[key], 2) == round(f[key], 2), key
    assert summary["occupancy"] == pytest.approx(f["occupancy"], abs=1e-12)
    assert summary["at_risk_count"] == f["at_risk_count"]

    properties = wb["Properties"]
    header = [c.value for c in properties[1]]
    rows = [
        dict(zip(header, r, strict=True)) for r in properties.iter_rows(min_row=2, values_only=True)
    ]
    assert round(sum(r["noi"] for r in rows), 2) == round(f["t12_noi"], 2)
    assert sorted(r["property_id"] for r in rows if r["at_risk"]) == sorted(f["at_risk"])
    monthly = wb["Monthly"]
    last = [c.value for c in monthly[monthly.max_row]]
    assert round(last[1], 2) == round(f["latest_month_noi"], 2)
    charted = [name for name in wb.sheetnames if wb[name]._charts]
    assert {"Monthly", "DSCR Distribution", "By Property Type", "Top Movers"} <= set(charted)
    assert any(wb["At Risk"].conditional_formatting)


def test_summary_is_ready_for_an_email(report) -> None:
    folder, f, _ = report
    text = (folder / "summary.md").read_text()
    assert text.startswith("Subject: Portfolio performance, December 2025")
    assert style.format_currency(f["latest_month_noi"]) in text
    assert style.format_currency(f["t12_noi"]) in text
    assert style.format_percent(f["occupancy"]) in text
    assert f"{f['at_risk_count']} of {f['properties_with_debt']} with debt" in text
    assert text.count("\n- ") >= 5
    assert "executive_report.pdf" in text and "executive_report.xlsx" in text
    assert len(text) < 4_000


@pytest.mark.slow
def test_large_portfolio_is_summarised(tmp_path, synthetic_portfolio) -> None:
    metrics, monthly, property_monthly = synthetic_portfolio(3_000, months=13, seed=9)
    started = time.perf_counter()
    f = executive.build_report(metrics, monthly, tmp_path, property_monthly=property_monthly)
    elapsed = time.perf_counter() - started
    pages, text = _pdf_text(tmp_path)
    assert len(pages) <= 10  # summarised, not 3,000 rows
    assert f["at_risk_count"] > executive.PDF_MAX_AT_RISK_ROWS
    assert f"Showing {executive.PDF_MAX_AT_RISK_ROWS} of {f['at_risk_count']:,} rows" in text
    wb = openpyxl.load_workbook(tmp_path / "executive_report.xlsx", read_only=True)
    assert wb["Properties"].max_row == 3_001  # every property is in the workbook
    assert elapsed < 30
