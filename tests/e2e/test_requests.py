"""Requests as users type them, run end to end in the sandbox, numbers checked against DOMAIN.md.

Every expected value comes from tests/e2e/reference.py (sqlite3 and plain Python over the raw
tables), never from the tool library.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

import pytest

from meta_agent.pipeline import Pipeline, RunOutcome
from tests.e2e.conftest import number, rows, summary
from tests.e2e.reference import Reference

REL = 1e-9


def run(pipeline: Pipeline, request: str) -> RunOutcome:
    outcome = pipeline.ask(request)
    assert outcome.status == "succeeded", (request, outcome.error)
    return outcome


def close(actual: float | None, expected: float | None) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and actual == pytest.approx(expected, rel=REL)


def check_metric_rows(table: list[dict[str, str]], refs: dict[str, Reference], metric: str) -> None:
    for row in table:
        expected = getattr(refs[row["property_id"]], metric)
        assert close(number(row[metric]), expected), (
            row["property_id"],
            metric,
            row[metric],
            expected,
        )


# --- DSCR and at-risk ---------------------------------------------------------------------------

AT_RISK_REQUESTS = [
    "Calculate DSCR for all properties and identify at-risk assets",
    "show me debt coverage across the portfolio and flag anything at risk",
    "DSCR for every asset - which ones are at risk?",
    "calc dscr all props, at risk list pls",
]


@pytest.mark.parametrize("request_text", AT_RISK_REQUESTS)
def test_portfolio_dscr_and_at_risk(
    e2e_pipeline: Pipeline, refs: dict[str, Reference], request_text: str
) -> None:
    outcome = run(e2e_pipeline, request_text)
    table = rows(outcome, "dscr_by_property.csv")
    assert {r["property_id"] for r in table} == set(refs)
    check_metric_rows(table, refs, "dscr")
    check_metric_rows(table, refs, "noi")
    check_metric_rows(table, refs, "debt_service")
    expected_at_risk = {p for p, r in refs.items() if r.dscr is not None and r.dscr < 1.25}
    assert {r["property_id"] for r in rows(outcome, "at_risk_properties.csv")} == expected_at_risk
    assert summary(outcome)["at_risk_count"] == len(expected_at_risk)
    no_debt = [r for r in table if not refs[r["property_id"]].loans]
    assert no_debt and all(r["dscr"] == "" and r["at_risk"] == "False" for r in no_debt)


@pytest.mark.parametrize(
    ("request_text", "threshold", "keep"),
    [
        ("anything on the watch list? (<1.35x)", 1.35, lambda r: True),
        (
            "which multifamily deals are under 1.2 DSCR",
            1.2,
            lambda r: r.property_type == "multifamily",
        ),
        ("Office assets with DSCR less than 1.5", 1.5, lambda r: r.property_type == "office"),
        ("properties in TX with dscr below 1.1x", 1.1, lambda r: r.state == "TX"),
    ],
)
def test_dscr_thresholds(
    e2e_pipeline: Pipeline, refs: dict[str, Reference], request_text: str, threshold: float, keep
) -> None:  # type: ignore[no-untyped-def]
    outcome = run(e2e_pipeline, request_text)
    expected = {p for p, r in refs.items() if keep(r) and r.dscr is not None and r.dscr < threshold}
    assert {r["property_id"] for r in rows(outcome, "at_risk_properties.csv")} == expected
    check_metric_rows(rows(outcome, "at_risk_properties.csv"), refs, "dscr")


# --- rankings -----------------------------------------------------------------------------------


def ranked(
    refs: dict[str, Reference], metric: str, descending: bool, keep=lambda r: True
) -> list[str]:  # type: ignore[no-untyped-def]
    present = [r for r in refs.values() if keep(r) and getattr(r, metric) is not None]
    present.sort(
        key=lambda r: (-getattr(r, metric) if descending else getattr(r, metric), r.property_id)
    )
    return [r.property_id for r in present]


@pytest.mark.parametrize(
    ("request_text", "metric", "descending", "limit", "keep"),
    [
        ("top 10 assets by T12 NOI", "noi", True, 10, lambda r: True),
        ("highest 5 cap rates", "cap_rate", True, 5, lambda r: True),
        ("lowest 3 occupancy in Texas", "occupancy", False, 3, lambda r: r.state == "TX"),
        ("bottom 5 properties by debt yield", "debt_yield", False, 5, lambda r: True),
        ("Top 3 retail properties by NOI", "noi", True, 3, lambda r: r.property_type == "retail"),
    ],
)
def test_rankings(
    e2e_pipeline: Pipeline,
    refs: dict[str, Reference],
    request_text: str,
    metric: str,
    descending: bool,
    limit: int,
    keep,
) -> None:  # type: ignore[no-untyped-def]
    outcome = run(e2e_pipeline, request_text)
    table = rows(outcome, f"{metric}_ranking.csv")
    assert [r["property_id"] for r in table] == ranked(refs, metric, descending, keep)[:limit]
    check_metric_rows(table, refs, metric)


def test_dscr_worst_first_puts_no_debt_last(
    e2e_pipeline: Pipeline, refs: dict[str, Reference]
) -> None:
    table = rows(run(e2e_pipeline, "dscr by asset, worst first"), "dscr_ranking.csv")
    with_debt = ranked(refs, "dscr", descending=False)
    assert [r["property_id"] for r in table[: len(with_debt)]] == with_debt
    assert {r["property_id"] for r in table[len(with_debt) :]} == {
        p for p, r in refs.items() if not r.loans
    }


# --- aggregations and counts --------------------------------------------------------------------


def grouped(refs: dict[str, Reference], key: str, metric: str) -> dict[str, list[float]]:
    groups: dict[str, list[float]] = defaultdict(list)
    for r in refs.values():
        value = getattr(r, metric)
        if value is not None:
            groups[getattr(r, key)].append(value)
    return groups


@pytest.mark.parametrize(
    ("request_text", "file", "key", "metric", "column", "function"),
    [
        (
            "avg cap rate by property type",
            "average_cap_rate_by_type.csv",
            "property_type",
            "cap_rate",
            "average_cap_rate",  # DOMAIN.md: a mean of ratios is labelled "average"
            statistics.fmean,
        ),
        ("total NOI by market, biggest first", "noi_by_market.csv", "market", "noi", "noi", sum),
        (
            "median occupancy by property type",
            "median_occupancy_by_type.csv",
            "property_type",
            "occupancy",
            "median_occupancy",
            statistics.median,
        ),
        (
            "average DSCR by state",
            "average_dscr_by_state.csv",
            "state",
            "dscr",
            "average_dscr",
            statistics.fmean,
        ),
    ],
)
def test_aggregations(
    e2e_pipeline: Pipeline,
    refs: dict[str, Reference],
    request_text: str,
    file: str,
    key: str,
    metric: str,
    column: str,
    function,
) -> None:  # type: ignore[no-untyped-def]
    table = rows(run(e2e_pipeline, request_text), file)
    expected = {group: function(values) for group, values in grouped(refs, key, metric).items()}
    with_values = [r for r in table if r[column] != ""]
    assert {r[key] for r in with_values} == set(expected)
    for row in with_values:
        assert number(row[column]) == pytest.approx(expected[row[key]], rel=1e-9), row
    # a group with no defined value (a state whose properties carry no debt) shows as empty
    assert all(r[key] in {getattr(x, key) for x in refs.values()} for r in table)
    if "biggest first" in request_text:
        values = [number(r[column]) for r in table]
        assert values == sorted(values, reverse=True)


@pytest.mark.parametrize(
    ("request_text", "keep"),
    [
        ("how many hotels do we own", lambda r: r.property_type == "hotel"),
        ("number of properties in Florida", lambda r: r.state == "FL"),
        (
            "count the office buildings in Dallas",
            lambda r: r.property_type == "office" and r.city == "Dallas",
        ),
    ],
)
def test_counts(
    e2e_pipeline: Pipeline, refs: dict[str, Reference], request_text: str, keep
) -> None:  # type: ignore[no-untyped-def]
    outcome = run(e2e_pipeline, request_text)
    expected = sum(1 for r in refs.values() if keep(r))
    assert number(rows(outcome, "property_count.csv")[0]["property_count"]) == expected


# --- filters and single properties --------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_text", "file", "keep"),
    [
        (
            "show properties with LTV over 75%",
            "ltv_by_property.csv",
            lambda r: r.ltv is not None and r.ltv > 0.75,
        ),
        ("properties without any debt", "properties_without_debt.csv", lambda r: not r.loans),
        (
            "industrial properties with occupancy under 90%",
            "occupancy_by_property.csv",
            lambda r: r.property_type == "industrial" and r.occupancy < 0.9,
        ),
        (
            "cap rates for the industrial book",
            "cap_rate_by_property.csv",
            lambda r: r.property_type == "industrial",
        ),
    ],
)
def test_filters(
    e2e_pipeline: Pipeline, refs: dict[str, Reference], request_text: str, file: str, keep
) -> None:  # type: ignore[no-untyped-def]
    table = rows(run(e2e_pipeline, request_text), file)
    assert {r["property_id"] for r in table} == {p for p, r in refs.items() if keep(r)}
    for metric in ("ltv", "cap_rate", "occupancy"):
        if table and metric in table[0]:
            check_metric_rows(table, refs, metric)


@pytest.mark.parametrize(
    ("request_text", "file", "metrics"),
    [
        (
            "what's our LTV on orlando fashion square",
            "ltv_by_property.csv",
            ["ltv", "loan_balance", "value"],
        ),
        (
            "Orlando Fashion Sq debt yield + occupancy",
            "debt_yield_by_property.csv",
            ["debt_yield", "occupancy"],
        ),
        ("NOI for orlando fashon square", "noi_by_property.csv", ["noi"]),
        ("ORLANDO FASHION SQUARE cap rate", "cap_rate_by_property.csv", ["cap_rate"]),
    ],
)
def test_one_property(
    e2e_pipeline: Pipeline,
    refs: dict[str, Reference],
    request_text: str,
    file: str,
    metrics: list[str],
) -> None:
    outcome = run(e2e_pipeline, request_text)
    table = rows(outcome, file)
    assert [r["property_id"] for r in table] == ["orlando_fashion_square"]
    for metric in metrics:
        check_metric_rows(table, refs, metric)
    if "fashon" in request_text:
        assert any("Orlando Fashion Square" in line for line in outcome.interpretations)


# --- scenarios ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_text", "shocks", "keep"),
    [
        (
            "Run DSCR scenarios with 10%, 20%, 30% NOI decrease for all properties",
            [(10, 0), (20, 0), (30, 0)],
            lambda r: True,
        ),
        ("stress test: NOI down 15% and 25%", [(15, 0), (25, 0)], lambda r: True),
        ("what happens to DSCR if rates go up 150bps", [(0, 150)], lambda r: True),
        (
            "+100/+200/+300 bp rate shock on the office portfolio",
            [(0, 100), (0, 200), (0, 300)],
            lambda r: r.property_type == "office",
        ),
        (
            "multifamily: NOI -20% with rates up 2%",
            [(20, 200)],
            lambda r: r.property_type == "multifamily",
        ),
    ],
)
def test_scenarios(
    e2e_pipeline: Pipeline,
    refs: dict[str, Reference],
    request_text: str,
    shocks: list[tuple[float, float]],
    keep,
) -> None:  # type: ignore[no-untyped-def]
    outcome = run(e2e_pipeline, request_text)
    results = rows(outcome, "scenario_results.csv")
    in_scope = {p for p, r in refs.items() if keep(r)}
    seen = {(float(r["noi_shock_pct"]), float(r["rate_shock_bp"])) for r in results}
    assert seen == {(0.0, 0.0), *((float(n), float(b)) for n, b in shocks)}
    for row in results:
        assert row["property_id"] in in_scope
        expected = refs[row["property_id"]].dscr_under(
            float(row["noi_shock_pct"]), float(row["rate_shock_bp"])
        )
        assert close(number(row["dscr"]), expected), row
    totals = rows(outcome, "scenario_summary.csv")
    for row in totals:
        shock = (float(row["noi_shock_pct"]), float(row["rate_shock_bp"]))
        expected_count = sum(
            1 for p in in_scope if (d := refs[p].dscr_under(*shock)) is not None and d < 1.25
        )
        assert int(float(row["at_risk_count"])) == expected_count, row
    assert "scenario_comparison.png" in outcome.artifacts


# --- comparison, trend, outliers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_text", "peers", "excel"),
    [
        ("Compare Orlando Fashion Square performance against 5 similar properties", 5, False),
        ("Compare Orlando Fashion Square to its 3 closest peers, export to Excel", 3, True),
        ("benchmark orlando fashion sq vs 4 comparable assets", 4, False),
    ],
)
def test_comparisons(
    e2e_pipeline: Pipeline, refs: dict[str, Reference], request_text: str, peers: int, excel: bool
) -> None:
    outcome = run(e2e_pipeline, request_text)
    table = rows(outcome, "comparison.csv")
    target = [r for r in table if r["role"] == "target"]
    peer_rows = [r for r in table if r["role"] == "peer"]
    assert [r["property_id"] for r in target] == ["orlando_fashion_square"]
    assert len(peer_rows) == peers
    assert all(refs[r["property_id"]].property_type == "retail" for r in peer_rows)
    for metric in ("noi", "dscr", "cap_rate", "occupancy", "ltv"):
        check_metric_rows(target + peer_rows, refs, metric)
    assert "comparison.png" in outcome.artifacts
    assert ("comparison.xlsx" in outcome.artifacts) is excel


def test_noi_trend(e2e_pipeline: Pipeline, sample_db_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    outcome = run(
        e2e_pipeline, "NOI trend for Orlando Fashion Square over the last 12 months, with a chart"
    )
    table = rows(outcome, "noi_trend.csv")
    db = sqlite3.connect(sample_db_path)
    expected = db.execute(
        "SELECT period, noi FROM financials WHERE property_id = 'orlando_fashion_square' "
        "ORDER BY period DESC LIMIT 12"
    ).fetchall()[::-1]
    assert [(r["period"][:10], float(r["noi"])) for r in table] == [
        (str(p), n) for p, n in expected
    ]
    year_ago = db.execute(
        "SELECT noi FROM financials WHERE property_id = 'orlando_fashion_square' "
        "ORDER BY period DESC LIMIT 1 OFFSET 12"
    ).fetchone()[0]
    latest = expected[-1][1]
    assert float(table[-1]["yoy_change"]) == pytest.approx((latest - year_ago) / abs(year_ago))
    assert summary(outcome)["latest_yoy_change"] == pytest.approx(
        (latest - year_ago) / abs(year_ago)
    )
    assert "noi_trend.png" in outcome.artifacts


def test_expense_ratio_outliers(e2e_pipeline: Pipeline, sample_db_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    outcome = run(e2e_pipeline, "flag outliers in opex ratio across the portfolio")
    db = sqlite3.connect(sample_db_path)
    ratios = {}
    for (pid,) in db.execute("SELECT property_id FROM properties"):
        last = db.execute(
            "SELECT effective_gross_income, operating_expenses FROM financials "
            "WHERE property_id = ? ORDER BY period DESC LIMIT 12",
            (pid,),
        ).fetchall()
        ratios[pid] = sum(r[1] for r in last) / sum(r[0] for r in last)
    values = sorted(ratios.values())
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    expected = {p for p, v in ratios.items() if v < low or v > high}
    flagged = rows(outcome, "expense_ratio_outliers.csv")
    assert {r["property_id"] for r in flagged} == expected
    assert all(r["method"] == "iqr" for r in flagged)


# --- reports and exports ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_text",
    ["Generate monthly performance report for executive team", "exec report for this month please"],
)
def test_executive_report(
    e2e_pipeline: Pipeline, refs: dict[str, Reference], sample_db_path, request_text: str
) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    outcome = run(e2e_pipeline, request_text)
    for name in ("executive_report.pdf", "executive_report.xlsx", "summary.md"):
        assert name in outcome.artifacts
    figures = summary(outcome)
    db = sqlite3.connect(sample_db_path)
    latest = db.execute("SELECT MAX(period) FROM financials").fetchone()[0]
    latest_noi = db.execute(
        "SELECT SUM(noi) FROM financials WHERE period = ?", (latest,)
    ).fetchone()[0]
    assert figures["latest_month_noi"] == pytest.approx(latest_noi, rel=1e-9)
    assert figures["t12_noi"] == pytest.approx(sum(r.noi for r in refs.values()), rel=1e-9)
    assert figures["at_risk_count"] == sum(
        1 for r in refs.values() if r.dscr is not None and r.dscr < 1.25
    )


def test_pdf_of_at_risk_loans(e2e_pipeline: Pipeline, refs: dict[str, Reference]) -> None:
    outcome = run(e2e_pipeline, "give me a PDF of at-risk loans for the credit committee")
    assert any(name.endswith(".pdf") for name in outcome.artifacts)
    expected = {p for p, r in refs.items() if r.dscr is not None and r.dscr < 1.25}
    assert {r["property_id"] for r in rows(outcome, "at_risk_properties.csv")} == expected


def test_excel_when_asked(e2e_pipeline: Pipeline) -> None:
    outcome = run(e2e_pipeline, "LTV for all retail properties in a spreadsheet")
    assert any(name.endswith(".xlsx") for name in outcome.artifacts)


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_text", "words"),
    [
        ("DSCR for Sunset Plaza Mall", ["Sunset Plaza Mall"]),
        ("delete the loans on properties under 1.0x", ["read-only"]),
        ("what's the weather in Orlando", ["weather"]),
        ("calculate the synergy quotient", ["synergy quotient", "DSCR"]),
        ("update the occupancy of Marlow Hotel to 95%", ["read-only"]),
        ("drop table properties", ["read-only"]),
        ("", ["empty"]),
        ("asdf qwerty zxcv", []),
        ("what's the IRR on Orlando Fashion Square", ["IRR"]),
        ("DSCR for properties in Gotham City", ["Gotham City"]),
        ("show me the WALT for the office book", ["WALT"]),
    ],
)
def test_refusals(e2e_pipeline: Pipeline, request_text: str, words: list[str]) -> None:
    outcome = e2e_pipeline.ask(request_text)
    assert outcome.status == "rejected"
    assert outcome.error
    for word in words:
        assert word.lower() in outcome.error.lower(), outcome.error
    assert outcome.artifacts == []


@pytest.mark.parametrize(
    "request_text",
    ["Generate monthly performance report for executive team", "stress test: NOI down 15% and 25%"],
)
def test_rerun_reproduces_the_results(e2e_pipeline: Pipeline, request_text: str) -> None:
    original = run(e2e_pipeline, request_text)
    assert original.run_id is not None
    again = e2e_pipeline.rerun(original.run_id)
    assert again.status == "succeeded"
    assert again.identical is True, again.differences
    assert sorted(again.artifacts) == sorted(original.artifacts)
