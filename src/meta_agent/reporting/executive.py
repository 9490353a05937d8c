"""The monthly performance report for the executive team: PDF, workbook, email summary, charts.

``figures.executive_figures`` computes what the report says; this module draws the charts and
lays the same numbers out three ways. Every number in the PDF and the summary is formatted from the
figures returned to the caller, and the workbook holds the unrounded data behind each of them.
For a large portfolio the PDF summarises (the weakest properties, the largest markets) and the
workbook keeps every row.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
from meta_agent.reporting import charts, excel, pdf, style, summary
from meta_agent.reporting.figures import MOVER_COUNT, executive_figures
from meta_agent.reporting.files import write_text_atomic

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

PDF_NAME = "executive_report.pdf"
WORKBOOK_NAME = "executive_report.xlsx"
SUMMARY_NAME = "summary.md"
TREND_CHART = "noi_occupancy_trend.png"
DSCR_CHART = "dscr_by_property.png"
DISTRIBUTION_CHART = "dscr_distribution.png"
OUTPUT_FILES = (PDF_NAME, WORKBOOK_NAME, SUMMARY_NAME, TREND_CHART, DSCR_CHART, DISTRIBUTION_CHART)
TITLE = "Monthly Performance Report"
# The PDF is read, not searched: longer lists live in the workbook.
PDF_MAX_AT_RISK_ROWS = 25
PDF_MAX_MARKET_ROWS = 20
MOVERS_NOTE = (
    "Ranked by the dollar change in the month's NOI against the same month a year earlier, "
    "up or down; see Methodology."
)


def build_report(
    metrics: pd.DataFrame,
    monthly: pd.DataFrame,
    folder: Path,
    request: str | None = None,
    threshold: float = DEFAULT_AT_RISK_THRESHOLD,
    property_monthly: pd.DataFrame | None = None,
    generated_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Write the report files into ``folder``; return the key figures and the files written."""
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    figures, tables = executive_figures(metrics, monthly, threshold, property_monthly)
    figures["request"] = request
    # No generation time in the figures: they are data, and a re-run must reproduce them exactly.
    charts.trend_chart(
        tables["Monthly"],
        ["noi", "occupancy"],
        folder / TREND_CHART,
        title="Portfolio NOI and occupancy by month",
    )
    charts.dscr_chart(tables["Properties"], folder / DSCR_CHART, threshold)
    charts.distribution_chart(tables["Properties"], "dscr", folder / DISTRIBUTION_CHART, threshold)
    excel.write_workbook(
        folder / WORKBOOK_NAME,
        tables,
        title=f"{TITLE}, {figures['as_of_month']}",
        request=request,
        summary=_workbook_summary(figures),
        charts=_workbook_charts(tables),
        generated_at=generated_at,
        threshold=threshold,
    )
    pdf.write_pdf(
        folder / PDF_NAME,
        title=TITLE,
        subtitle=f"Executive summary · {figures['as_of_month']} · "
        f"{figures['property_count']:,} properties",
        request=request,
        as_of=figures["as_of_month"],
        key_figures=_tiles(figures),
        blocks=_blocks(figures, tables, folder),
        generated_at=generated_at,
    )
    text = summary.email_summary(figures, attachments=[PDF_NAME, WORKBOOK_NAME])
    write_text_atomic(folder / SUMMARY_NAME, text)
    figures["files"] = list(OUTPUT_FILES)
    logger.info("executive report written", extra={"properties": figures["property_count"]})
    return figures


def _workbook_summary(figures: dict[str, Any]) -> dict[str, Any]:
    skip = {"request", "generated_at", "movers_definition", "files", "as_of_month"}
    return {k: v for k, v in figures.items() if k not in skip}


def _workbook_charts(tables: dict[str, pd.DataFrame]) -> list[dict[str, Any]]:
    chosen: list[dict[str, Any]] = [
        {
            "sheet": "Monthly",
            "type": "line",
            "x": "period",
            "y": ["noi", "occupancy"],
            "title": "Portfolio NOI and occupancy by month",
        },
        {
            "sheet": "DSCR Distribution",
            "type": "column",
            "x": "band",
            "y": "property_count",
            "title": "Properties by DSCR band",
        },
        {
            "sheet": "By Property Type",
            "type": "bar",
            "x": "property_type",
            "y": "noi",
            "title": "T12 NOI by property type",
        },
        {
            "sheet": "By Market",
            "type": "bar",
            "x": "market",
            "y": "noi",
            "title": "T12 NOI by market",
        },
    ]
    if not tables["At Risk"].empty:
        chosen.append(
            {
                "sheet": "At Risk",
                "type": "bar",
                "x": "name",
                "y": "dscr",
                "title": "DSCR of at-risk properties",
            }
        )
    if "Top Movers" in tables and not tables["Top Movers"].empty:
        chosen.append(
            {
                "sheet": "Top Movers",
                "type": "bar",
                "x": "name",
                "y": "noi_change",
                "title": "Largest NOI movers, latest month vs a year earlier",
            }
        )
    return chosen


def _tiles(f: dict[str, Any]) -> list[pdf.KeyFigure]:
    month = f["as_of_month"]

    def tone(value: float | None) -> Literal["neutral", "good", "bad"]:
        return "neutral" if value is None or value == 0 else "good" if value > 0 else "bad"

    def change_detail(amount: float | None, label: str) -> str:
        return f"{style.format_signed_currency(amount)} vs {label}" if amount is not None else ""

    prior_label = summary.month_before(f["as_of"], 1)
    year_label = summary.month_before(f["as_of"], 12)
    return [
        pdf.KeyFigure(
            f"NOI, {month}",
            style.format_currency(f["latest_month_noi"]),
            f"{f['property_count']:,} properties",
        ),
        pdf.KeyFigure(
            "Change month over month",
            style.format_percent(f["noi_mom_change_pct"], signed=True),
            change_detail(f["noi_mom_change"], prior_label),
            tone(f["noi_mom_change"]),
        ),
        pdf.KeyFigure(
            "Change year over year",
            style.format_percent(f["noi_yoy_change_pct"], signed=True),
            change_detail(f["noi_yoy_change"], year_label),
            tone(f["noi_yoy_change"]),
        ),
        pdf.KeyFigure("T12 NOI", style.format_currency(f["t12_noi"]), "trailing twelve months"),
        pdf.KeyFigure(
            "Occupancy",
            style.format_percent(f["occupancy"]),
            "latest month, weighted by square feet",
        ),
        pdf.KeyFigure(
            "At-risk properties",
            f"{f['at_risk_count']:,} of {f['properties_with_debt']:,}",
            f"DSCR below {f['threshold']:.2f}x; {f['properties_without_debt']:,} without debt",
            "bad" if f["at_risk_count"] else "good",
        ),
    ]


def _blocks(f: dict[str, Any], tables: dict[str, pd.DataFrame], folder: Path) -> list[pdf.Block]:
    threshold = f["threshold"]
    workbook_note = f"every row is in {WORKBOOK_NAME}"
    at_risk = tables["At Risk"]
    markets = tables["By Market"]
    blocks: list[pdf.Block] = [
        pdf.Bullets(summary.highlights(f)),
        pdf.ChartBlock(folder / TREND_CHART, max_height_fraction=0.42),
        pdf.PageBreak(),
        pdf.Heading("Debt service coverage"),
        pdf.Text(summary.coverage_sentence(f)),
        pdf.TableBlock(
            tables["DSCR Distribution"][["band", "property_count", "share"]],
            labels={"band": "DSCR band", "share": "Share of properties"},
        ),
        pdf.ChartBlock(folder / DISTRIBUTION_CHART, max_height_fraction=0.4),
        pdf.Heading(f"At-risk properties (DSCR below {threshold:.2f}x)", level=2),
    ]
    if at_risk.empty:
        blocks.append(pdf.Text("No property with debt is below the threshold.", "note"))
    else:
        blocks.append(
            pdf.TableBlock(
                at_risk.drop(columns=["property_id", "at_risk", "debt_yield"], errors="ignore"),
                labels={"noi": "T12 NOI"},
                max_rows=PDF_MAX_AT_RISK_ROWS,
                more_note=f"the weakest are shown; {workbook_note} (sheet At Risk)",
            )
        )
    blocks += [
        pdf.ChartBlock(folder / DSCR_CHART, max_height_fraction=0.9),
        pdf.PageBreak(),
        pdf.Heading("Breakdown by property type"),
        pdf.TableBlock(tables["By Property Type"], labels=_breakdown_labels()),
        pdf.Heading("Breakdown by market"),
        pdf.TableBlock(
            markets,
            labels=_breakdown_labels(),
            max_rows=PDF_MAX_MARKET_ROWS,
            more_note=f"the largest markets by T12 NOI are shown; {workbook_note}",
        ),
        pdf.Heading(
            f"Largest movers, {f['as_of_month']} against {summary.month_before(f['as_of'], 12)}"
        ),
    ]
    if "Top Movers" in tables:
        movers = tables["Top Movers"].drop(columns=["property_id"], errors="ignore")
        blocks += [
            pdf.TableBlock(
                movers,
                labels={
                    "latest_month_noi": f"NOI {f['as_of_month']}",
                    "year_ago_noi": "NOI a year earlier",
                    "noi_change": "Change",
                    "noi_change_pct": "Change %",
                },
                note=MOVERS_NOTE,
            ),
        ]
    else:
        blocks.append(
            pdf.Text(
                f"The {MOVER_COUNT} largest movers need per-property monthly NOI, which was not "
                "supplied to this report (pass property_monthly).",
                "note",
            )
        )
    blocks += [pdf.Heading("Methodology and definitions"), pdf.Bullets(summary.methodology(f))]
    return blocks


def _breakdown_labels() -> dict[str, str]:
    return {
        "noi": "T12 NOI",
        "noi_share": "Share of NOI",
        "occupancy": "Occupancy",
        "aggregate_dscr": "Aggregate DSCR",
        "at_risk_count": "At risk",
        "debt_service": "Debt service",
        "property_count": "Properties",
    }
