"""Issue 8's requests end to end in the sandbox: DOMAIN.md's group figures, shares, negated
comparisons, combined shocks, deciles and loan maturities, checked against plain SQL."""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from meta_agent.pipeline import Pipeline, RunOutcome
from tests.e2e.conftest import number, rows
from tests.e2e.reference import Reference

REL = 1e-9
Refs = dict[str, Reference]


def run(pipeline: Pipeline, request: str) -> RunOutcome:
    outcome = pipeline.ask(request)
    assert outcome.status == "succeeded", (request, outcome.error)
    assert outcome.restatement, request
    return outcome


def aggregate(refs: list[Reference], metric: str) -> float:
    """DOMAIN.md's figures of a group, from the reference values."""
    with_debt = [r for r in refs if r.debt_service > 0]
    if metric == "dscr":
        return math.fsum(r.noi for r in with_debt) / math.fsum(r.debt_service for r in with_debt)
    if metric == "debt_yield":
        lent = [r for r in refs if r.loan_balance > 0]
        return math.fsum(r.noi for r in lent) / math.fsum(r.loan_balance for r in lent)
    if metric == "cap_rate":
        return math.fsum(r.noi for r in refs) / math.fsum(r.value or 0 for r in refs)
    if metric == "ltv":
        return math.fsum(r.loan_balance for r in refs) / math.fsum(r.value or 0 for r in refs)
    raise ValueError(metric)


def square_feet(db: Path) -> dict[str, float]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return dict(conn.execute("SELECT property_id, square_feet FROM properties").fetchall())


@pytest.mark.parametrize(
    ("request_text", "metric"),
    [
        ("portfolio DSCR", "dscr"),
        ("aggregate DSCR for the whole portfolio", "dscr"),
        ("total portfolio LTV", "ltv"),
        ("portfolio cap rate", "cap_rate"),
        ("debt yield for the whole book", "debt_yield"),
    ],
)
def test_portfolio_figures(
    e2e_pipeline: Pipeline, refs: Refs, request_text: str, metric: str
) -> None:
    outcome = run(e2e_pipeline, request_text)
    (row,) = rows(outcome, f"portfolio_aggregate_{metric}.csv")
    assert number(row[f"aggregate_{metric}"]) == pytest.approx(
        aggregate(list(refs.values()), metric), rel=REL
    )
    assert int(row["property_count"]) == len(refs)
    assert "Aggregate" in (outcome.restatement or "")


@pytest.mark.parametrize(
    ("request_text", "metric", "key", "stem"),
    [
        ("DSCR by market", "dscr", "market", "aggregate_dscr_by_market"),
        ("aggregate LTV by state", "ltv", "state", "aggregate_ltv_by_state"),
        ("cap rate by property type", "cap_rate", "property_type", "aggregate_cap_rate_by_type"),
    ],
)
def test_figures_by_group(
    e2e_pipeline: Pipeline, refs: Refs, request_text: str, metric: str, key: str, stem: str
) -> None:
    outcome = run(e2e_pipeline, request_text)
    groups: dict[str, list[Reference]] = defaultdict(list)
    for ref in refs.values():
        groups[getattr(ref, key)].append(ref)
    table = rows(outcome, f"{stem}.csv")
    assert sorted(r[key] for r in table) == sorted(groups)
    for row in table:
        members = groups[row[key]]
        if metric == "dscr" and not any(r.debt_service for r in members):
            assert number(row["aggregate_dscr"]) is None
            continue
        expected = aggregate(members, metric)
        assert number(row[f"aggregate_{metric}"]) == pytest.approx(expected, rel=REL), row


@pytest.mark.parametrize(
    ("request_text", "threshold", "below"),
    [
        ("Which markets have DSCR below 1.4x?", 1.4, True),
        ("markets with DSCR above 1.5", 1.5, False),
    ],
)
def test_which_groups_meet_a_condition_on_their_figure(
    e2e_pipeline: Pipeline, refs: Refs, request_text: str, threshold: float, below: bool
) -> None:
    """The condition is on each market's aggregate DSCR: every property counts in its market."""
    outcome = run(e2e_pipeline, request_text)
    groups: dict[str, list[Reference]] = defaultdict(list)
    for ref in refs.values():
        groups[ref.market].append(ref)
    expected = set()
    for market, members in groups.items():
        if not any(r.debt_service for r in members):
            continue
        figure = aggregate(members, "dscr")
        if (figure < threshold) if below else (figure > threshold):
            expected.add(market)
    table = rows(outcome, "aggregate_dscr_by_market.csv")
    assert {r["market"] for r in table} == expected and expected
    for row in table:
        assert int(row["property_count"]) == len(groups[row["market"]])


def test_occupancy_by_type_is_weighted_by_square_feet(
    e2e_pipeline: Pipeline, refs: Refs, sample_db_path: Path
) -> None:
    outcome = run(e2e_pipeline, "occupancy by property type")
    area = square_feet(sample_db_path)
    for row in rows(outcome, "weighted_occupancy_by_type.csv"):
        members = [r for r in refs.values() if r.property_type == row["property_type"]]
        expected = math.fsum(r.occupancy * area[r.property_id] for r in members) / math.fsum(
            area[r.property_id] for r in members
        )
        assert number(row["weighted_occupancy"]) == pytest.approx(expected, rel=REL)


def test_average_dscr_is_the_labelled_mean(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(e2e_pipeline, "average DSCR by property type")
    for row in rows(outcome, "average_dscr_by_type.csv"):
        values = [
            d for r in refs.values() if r.property_type == row["property_type"] and (d := r.dscr)
        ]
        assert number(row["average_dscr"]) == pytest.approx(sum(values) / len(values), rel=REL)


def test_office_share_of_noi(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(e2e_pipeline, "what fraction of NOI comes from office")
    (row,) = rows(outcome, "noi_share_by_type.csv")
    office = math.fsum(r.noi for r in refs.values() if r.property_type == "office")
    total = math.fsum(r.noi for r in refs.values())
    assert row["property_type"] == "office"
    assert number(row["noi_share"]) == pytest.approx(office / total, rel=REL)


@pytest.mark.parametrize(
    ("request_text", "stem", "keep"),
    [
        ("LTV not over 65%", "ltv_by_property", lambda r: r.ltv is not None and r.ltv <= 0.65),
        ("DSCR not under 1.3", "dscr_by_property", lambda r: r.dscr is not None and r.dscr >= 1.3),
        ("properties where noi is negative", "noi_by_property", lambda r: r.noi < 0),
    ],
)
def test_negated_and_preset_comparisons(
    e2e_pipeline: Pipeline,
    refs: Refs,
    request_text: str,
    stem: str,
    keep: Callable[[Reference], bool],
) -> None:
    outcome = run(e2e_pipeline, request_text)
    got = {row["property_id"] for row in rows(outcome, f"{stem}.csv")}
    assert got == {p for p, r in refs.items() if keep(r)}


def test_two_shocks_in_one_scenario(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(e2e_pipeline, "DSCR for each asset if rates climb 75bp and NOI slips 5%")
    results = rows(outcome, "scenario_results.csv")
    shocks = {(float(r["noi_shock_pct"]), float(r["rate_shock_bp"])) for r in results}
    assert shocks == {(0.0, 0.0), (5.0, 75.0)}
    for row in results:
        expected = refs[row["property_id"]].dscr_under(
            float(row["noi_shock_pct"]), float(row["rate_shock_bp"])
        )
        actual = number(row["dscr"])
        assert (actual is None) if expected is None else actual == pytest.approx(expected, rel=REL)


def test_top_decile_by_occupancy(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(e2e_pipeline, "top decile by occupancy")
    got = [row["property_id"] for row in rows(outcome, "occupancy_ranking.csv")]
    count = math.ceil(len(refs) * 0.1)
    ranked = sorted(refs.values(), key=lambda r: (-r.occupancy, r.property_id))
    assert got == [r.property_id for r in ranked[:count]]


def test_yoy_noi_change_by_type(e2e_pipeline: Pipeline, sample_db_path: Path) -> None:
    outcome = run(e2e_pipeline, "YoY NOI change by property type")
    with sqlite3.connect(f"file:{sample_db_path}?mode=ro", uri=True) as conn:
        periods = [
            p
            for (p,) in conn.execute("SELECT DISTINCT period FROM financials ORDER BY period DESC")
        ]
        now, prior = periods[:12], periods[12:24]
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for ptype, period, noi in conn.execute(
            "SELECT p.property_type, f.period, f.noi FROM financials f JOIN properties p "
            "ON p.property_id = f.property_id"
        ):
            if period in now:
                sums[ptype][0] += noi
            elif period in prior:
                sums[ptype][1] += noi
    table = rows(outcome, "noi_change_by_type.csv")
    assert sorted(r["property_type"] for r in table) == sorted(sums)
    for row in table:
        current, before = sums[row["property_type"]]
        assert number(row["noi_growth"]) == pytest.approx(current / before - 1, rel=1e-9)


def test_loans_maturing_in_2027(e2e_pipeline: Pipeline, sample_db_path: Path) -> None:
    outcome = run(e2e_pipeline, "which loans mature in 2027?")
    with sqlite3.connect(f"file:{sample_db_path}?mode=ro", uri=True) as conn:
        expected = [
            loan
            for (loan,) in conn.execute(
                "SELECT loan_id FROM loans WHERE maturity_date >= '2027-01-01' AND "
                "maturity_date < '2028-01-01' ORDER BY maturity_date, loan_id"
            )
        ]
    assert [row["loan_id"] for row in rows(outcome, "loans.csv")] == expected


def test_loans_over_a_balance(e2e_pipeline: Pipeline, sample_db_path: Path) -> None:
    outcome = run(e2e_pipeline, "loans maturing before 2029 with balance over 20 million")
    with sqlite3.connect(f"file:{sample_db_path}?mode=ro", uri=True) as conn:
        expected = [
            loan
            for (loan,) in conn.execute(
                "SELECT loan_id FROM loans WHERE maturity_date < '2029-01-01' AND "
                "current_balance > 20000000 ORDER BY maturity_date, loan_id"
            )
        ]
    assert expected
    table = rows(outcome, "loans.csv")
    assert [row["loan_id"] for row in table] == expected
    assert list(table[0])[:6] == [
        "loan_id", "property_id", "name", "lender", "current_balance", "maturity_date"
    ]  # fmt: skip


def test_the_best_property_in_each_market(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(e2e_pipeline, "Which property has the highest cap rate in each market?")
    best: dict[str, Reference] = {}
    for ref in sorted(refs.values(), key=lambda r: r.property_id):
        if ref.cap_rate is None:
            continue
        held = best.get(ref.market)
        if held is None or (held.cap_rate or 0) < ref.cap_rate:
            best[ref.market] = ref
    table = rows(outcome, "cap_rate_ranking.csv")
    assert {r["market"]: r["property_id"] for r in table} == {
        market: ref.property_id for market, ref in best.items()
    }
    assert [r["market"] for r in table] == sorted(best)


def test_the_market_with_the_most_at_risk_properties(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(e2e_pipeline, "which market has the most at-risk properties")
    counts: dict[str, int] = defaultdict(int)
    for ref in refs.values():
        if ref.dscr is not None and ref.dscr < 1.25:
            counts[ref.market] += 1
    most = max(counts.values())
    table = rows(outcome, "property_count_by_market.csv")
    assert {r["market"] for r in table} == {m for m, n in counts.items() if n == most}
    assert all(int(r["property_count"]) == most for r in table)


def test_the_properties_not_at_risk(e2e_pipeline: Pipeline, refs: Refs) -> None:
    """The complement of the at-risk list: DSCR at or above 1.25, or no debt at all."""
    outcome = run(e2e_pipeline, "Which assets are not at risk?")
    expected = {r.property_id for r in refs.values() if r.dscr is None or r.dscr >= 1.25}
    table = rows(outcome, "properties_not_at_risk.csv")
    assert {r["property_id"] for r in table} == expected
    assert len(expected) + sum(
        1 for r in refs.values() if r.dscr is not None and r.dscr < 1.25
    ) == len(refs)


def test_groups_with_a_count_and_a_figure_condition(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(
        e2e_pipeline, "Which markets have more than 3 properties and an aggregate DSCR below 1.4?"
    )
    groups: dict[str, list[Reference]] = defaultdict(list)
    for ref in refs.values():
        groups[ref.market].append(ref)
    expected = {
        market
        for market, members in groups.items()
        if len(members) > 3
        and any(r.debt_service for r in members)
        and aggregate(members, "dscr") < 1.4
    }
    assert expected
    assert {r["market"] for r in rows(outcome, "aggregate_dscr_by_market.csv")} == expected


def test_yoy_change_of_one_property(e2e_pipeline: Pipeline, sample_db_path: Path) -> None:
    """DOMAIN.md's YoY change in T12 NOI, for one property: not a monthly trend."""
    outcome = run(e2e_pipeline, "YoY NOI growth for orlando fashion square")
    with sqlite3.connect(f"file:{sample_db_path}?mode=ro", uri=True) as conn:
        periods = [
            p for (p,) in conn.execute("SELECT DISTINCT period FROM financials ORDER BY 1 DESC")
        ]
        noi = dict(
            conn.execute(
                "SELECT period, noi FROM financials WHERE property_id = 'orlando_fashion_square'"
            ).fetchall()
        )
    now = math.fsum(noi[p] for p in periods[:12])
    before = math.fsum(noi[p] for p in periods[12:24])
    (row,) = rows(outcome, outcome_file(outcome, "noi_change"))
    assert number(row["noi_growth"]) == pytest.approx(now / before - 1, rel=1e-9)


def test_noi_share_of_each_property_in_a_state(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(e2e_pipeline, "NOI share of each Florida property")
    florida = [r for r in refs.values() if r.state == "FL"]
    total = math.fsum(r.noi for r in florida)
    table = rows(outcome, outcome_file(outcome, "share"))
    assert {r["name"]: number(r["noi_share"]) for r in table} == {
        r.name: pytest.approx(r.noi / total, rel=1e-9) for r in florida
    }


def test_portfolio_dscr_under_a_shock_is_the_aggregate(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(e2e_pipeline, "portfolio DSCR with NOI down 10%")
    levered = [r for r in refs.values() if r.debt_service > 0]
    expected = math.fsum(0.9 * r.noi for r in levered) / math.fsum(r.debt_service for r in levered)
    by_name = {r["scenario"]: r for r in rows(outcome, "scenario_summary.csv")}
    assert number(by_name["noi_down_10"]["aggregate_dscr"]) == pytest.approx(expected, rel=1e-9)


def outcome_file(outcome: RunOutcome, word: str) -> str:
    """The one result CSV whose name holds ``word``."""
    (name,) = [a for a in outcome.artifacts if a.endswith(".csv") and word in a]
    return name


def test_top_n_leaving_a_named_property_out(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(e2e_pipeline, "top 5 by NOI other than Marlow Hotel")
    others = sorted(
        (r for r in refs.values() if r.name != "Marlow Hotel"),
        key=lambda r: (-r.noi, r.property_id),
    )
    table = rows(outcome, "noi_ranking.csv")
    assert [r["property_id"] for r in table] == [r.property_id for r in others[:5]]


def test_a_shock_by_property_type(e2e_pipeline: Pipeline, refs: Refs) -> None:
    """Each type's aggregate DSCR under the shock: sums over its properties with debt."""
    outcome = run(e2e_pipeline, "NOI -15%: DSCR by property type")
    table = rows(outcome, "scenario_dscr_by_type.csv")
    for row in table:
        levered = [
            r
            for r in refs.values()
            if r.property_type == row["property_type"] and r.debt_service > 0
        ]
        factor = 0.85 if row["scenario"] == "noi_down_15" else 1.0
        expected = math.fsum(factor * r.noi for r in levered) / math.fsum(
            r.debt_service for r in levered
        )
        assert number(row["aggregate_dscr"]) == pytest.approx(expected, rel=1e-9), row
        assert int(row["properties_with_debt"]) == len(levered)
    assert {r["scenario"] for r in table} == {"base", "noi_down_15"}


def test_the_share_of_properties_at_risk(e2e_pipeline: Pipeline, refs: Refs) -> None:
    outcome = run(e2e_pipeline, "what percentage of properties are at risk")
    (row,) = rows(outcome, "at_risk_share.csv")
    at_risk = sum(1 for r in refs.values() if r.dscr is not None and r.dscr < 1.25)
    assert int(row["property_count"]) == len(refs)
    assert number(row["at_risk_share"]) == pytest.approx(at_risk / len(refs), rel=1e-9)
