"""The executive report over the real sample portfolio, checked against independent SQL and the CSV.

The frames come from the database tools (as a generated script gets them); every headline figure
is recomputed here with plain SQL straight from DOMAIN.md's definitions, and compared to the cent
with the report's figures, the workbook, the PDF text and the CSV export of the same metrics.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from meta_agent.reporting import style
from meta_agent.tool_library import database_tools

THRESHOLD = 1.25
RECENT_NOI = (
    "SELECT property_id, period, noi FROM financials WHERE period >= (SELECT MIN(period) FROM "
    "(SELECT DISTINCT period FROM financials ORDER BY period DESC LIMIT 13) AS recent) "
    "ORDER BY property_id, period"
)


def _sql_figures(path: Path) -> dict[str, Any]:
    """Headline figures by plain SQL on the SQLite file, per DOMAIN.md."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:

        def value(sql: str, *args: object) -> Any:
            return db.execute(sql, args).fetchone()[0]

        def by_property(sql: str, *args: object) -> dict[str, float]:
            return dict(db.execute(sql, args).fetchall())

        latest = value("SELECT MAX(period) FROM financials")
        prior = value("SELECT MAX(period) FROM financials WHERE period < ?", latest)
        year_ago = value("SELECT date(?, '-12 months')", latest)
        month_noi = "SELECT SUM(noi) FROM financials WHERE period = ?"
        t12 = by_property(
            "SELECT property_id, SUM(noi) FROM (SELECT property_id, noi, ROW_NUMBER() OVER "
            "(PARTITION BY property_id ORDER BY period DESC) AS n FROM financials) WHERE n <= 12 "
            "GROUP BY property_id"
        )
        debt = by_property(
            "SELECT property_id, SUM(annual_debt_service) FROM loans GROUP BY property_id"
        )
        latest_noi = by_property("SELECT property_id, noi FROM financials WHERE period = ?", latest)
        earlier_noi = by_property(
            "SELECT property_id, noi FROM financials WHERE period = ?", year_ago
        )
        figures = {
            "as_of": latest,
            "latest_month_noi": value(month_noi, latest),
            "prior_month_noi": value(month_noi, prior),
            "year_ago_noi": value(month_noi, year_ago),
            "occupancy": value(
                "SELECT SUM(f.occupancy * p.square_feet) / SUM(p.square_feet) FROM financials f "
                "JOIN properties p USING (property_id) WHERE f.period = ?",
                latest,
            ),
        }
    changes = {pid: latest_noi[pid] - earlier_noi[pid] for pid in latest_noi if pid in earlier_noi}
    return {
        **figures,
        "t12_noi": sum(t12.values()),
        "total_debt_service": sum(debt.values()),
        "at_risk": sorted(
            pid for pid, noi in t12.items() if debt.get(pid, 0) > 0 and noi / debt[pid] < THRESHOLD
        ),
        "without_debt": sum(1 for pid in t12 if debt.get(pid, 0) == 0),
        "movers": sorted(changes, key=lambda pid: (-abs(changes[pid]), pid))[:5],
    }


def cents(value: object) -> float:
    return round(float(value), 2)  # type: ignore[arg-type]


@pytest.fixture()
def built(sample_db_url, sample_db_path, tmp_results):
    from meta_agent.tool_library.data_tools import export_to_csv
    from meta_agent.tool_library.report_tools import build_executive_report

    metrics = database_tools.fetch_portfolio_metrics()
    monthly = database_tools.fetch_monthly_performance()
    property_monthly = database_tools.query_database(RECENT_NOI)
    figures = build_executive_report(
        metrics,
        monthly,
        request="Generate monthly performance report for executive team",
        threshold=THRESHOLD,
        property_monthly=property_monthly,
    )
    export_to_csv(metrics, "portfolio_metrics.csv")
    return figures, _sql_figures(sample_db_path), tmp_results


def test_figures_equal_independent_sql_to_the_cent(built) -> None:
    f, sql, _ = built
    assert f["as_of"] == sql["as_of"]
    assert f["property_count"] == 60
    for key in (
        "latest_month_noi",
        "prior_month_noi",
        "year_ago_noi",
        "t12_noi",
        "total_debt_service",
    ):
        assert cents(f[key]) == cents(sql[key]), key
    assert cents(f["noi_mom_change"]) == cents(sql["latest_month_noi"] - sql["prior_month_noi"])
    assert cents(f["noi_yoy_change"]) == cents(sql["latest_month_noi"] - sql["year_ago_noi"])
    assert f["occupancy"] == pytest.approx(sql["occupancy"], abs=1e-12)
    assert sorted(f["at_risk"]) == sql["at_risk"]
    assert f["properties_without_debt"] == sql["without_debt"]
    assert [m["property_id"] for m in f["movers"]] == sql["movers"]
    # the sample portfolio has the mix DOMAIN.md promises, so every section has content
    assert f["at_risk_count"] > 0 and f["properties_without_debt"] > 0


def test_reports_equal_the_csv_to_the_cent(built) -> None:
    f, sql, results = built
    csv = pd.read_csv(results / "portfolio_metrics.csv")
    assert cents(csv["noi"].sum()) == cents(f["t12_noi"])
    flagged = csv[csv["has_debt"] & (csv["dscr"] < THRESHOLD)]
    assert sorted(flagged["property_id"]) == sorted(f["at_risk"])

    wb = openpyxl.load_workbook(results / "executive_report.xlsx")
    sheet = wb["Properties"]
    header = [c.value for c in sheet[1]]
    rows = pd.DataFrame(list(sheet.iter_rows(min_row=2, values_only=True)), columns=header)
    merged = rows.merge(csv, on="property_id", suffixes=("_xlsx", "_csv"))
    assert len(merged) == len(csv) == 60
    for column in ("noi", "debt_service", "loan_balance", "value"):
        assert (merged[f"{column}_xlsx"].round(2) == merged[f"{column}_csv"].round(2)).all(), column
    summary = {r[2]: r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[2]}
    assert cents(summary["t12_noi"]) == cents(csv["noi"].sum())

    text = "\n".join(
        page.extract_text() for page in PdfReader(results / "executive_report.pdf").pages
    )
    assert style.format_currency(csv["noi"].sum()) in text
    assert style.format_currency(sql["latest_month_noi"]) in text
    for _, row in flagged.iterrows():
        assert row["name"] in text
        assert style.format_ratio(row["dscr"]) in text
    email = (results / "summary.md").read_text()
    assert style.format_currency(csv["noi"].sum()) in email
