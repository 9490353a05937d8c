"""SimulationRunner against an independent computation: plain sqlite3 and Python from the tables."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from meta_agent.simulation import Scenario, SimulationRunner, parse_grid
from meta_agent.simulation.shocks import at_risk_counts_sorted

PLAN = [
    {"name": "Base Case", "parameters": {"noi": 1_000_000, "debt_service": 750_000}},
    {"name": "Pessimistic", "parameters": {"noi": 800_000, "debt_service": 750_000}},
    {"name": "Optimistic", "parameters": {"noi": 1_200_000, "debt_service": 750_000}},
]


def pmt_annual(balance: float, rate: float, months: int) -> float:
    """DOMAIN.md's loan debt service, written out again for the check."""
    if months == 0:
        return balance * rate
    r = rate / 12
    if r == 0:
        return 12 * balance / months
    return 12 * balance * r / (1 - (1 + r) ** -months)


def independent(db: Path) -> dict[str, dict[str, float]]:
    """Per property: T12 NOI, GPR, expenses, stored debt service, loans, balance, latest value."""
    con = sqlite3.connect(db)
    out: dict[str, dict[str, float]] = {}
    for pid, ptype in con.execute("SELECT property_id, property_type FROM properties"):
        months = con.execute(
            "SELECT noi, gross_potential_rent, operating_expenses FROM financials "
            "WHERE property_id = ? ORDER BY period DESC LIMIT 12",
            (pid,),
        ).fetchall()
        loans = con.execute(
            "SELECT original_balance, interest_rate, amortization_months, annual_debt_service, "
            "current_balance FROM loans WHERE property_id = ?",
            (pid,),
        ).fetchall()
        value = con.execute(
            "SELECT value FROM valuations WHERE property_id = ? ORDER BY valuation_date DESC LIMIT 1",
            (pid,),
        ).fetchone()
        out[pid] = {
            "type": ptype,
            "noi": sum(m[0] for m in months),
            "gpr": sum(m[1] for m in months),
            "opex": sum(m[2] for m in months),
            "service": sum(loan[3] for loan in loans),
            "loans": loans,
            "balance": sum(loan[4] for loan in loans),
            "value": value[0] if value else float("nan"),
        }
    con.close()
    return out


def expected(props: dict, noi_pct: float, bp: float, vac: float, exp: float, types=None) -> dict:
    noi_total = service_total = 0.0
    dscrs = []
    for p in props.values():
        if types and p["type"] not in types:
            continue
        noi = (1 + noi_pct / 100) * (p["noi"] - vac / 100 * p["gpr"] - exp / 100 * p["opex"])
        service = p["service"]
        if bp:
            service = sum(
                pmt_annual(b, max(r + bp / 10_000, 0), int(m)) for b, r, m, _, _ in p["loans"]
            )
        if service > 0:
            noi_total += noi
            service_total += service
            dscrs.append(noi / service)
    return {
        "dscr": noi_total / service_total,
        "at_risk_count": sum(d < 1.25 for d in dscrs),
        "average_dscr": sum(dscrs) / len(dscrs),
        "min_dscr": min(dscrs),
        "median_dscr": float(np.percentile(dscrs, 50)),
        "with_debt": len(dscrs),
    }


def test_plan_example_from_python() -> None:
    runner = SimulationRunner()
    batch = runner.run_batch_simulations(None, PLAN)
    assert [round(r.summary["dscr"], 3) for r in batch.results] == [1.333, 1.067, 1.6]
    assert all(r.status == "succeeded" and r.kind == "deal" for r in batch.results)
    one = runner.run_single_simulation(None, runner.define_scenario("x", PLAN[1]["parameters"]))
    assert one.summary["dscr"] == pytest.approx(800 / 750)


def test_deal_metrics_from_loan_terms() -> None:
    scenario = Scenario.build(
        "Deal",
        {"noi": 900_000, "loan_amount": 10_000_000, "interest_rate": 0.06,
         "amortization_months": 360, "cap_rate": 0.07, "occupancy": 0.9,
         "operating_expenses": 600_000},
    )  # fmt: skip
    summary = SimulationRunner().run_single_simulation(None, scenario).summary
    service = pmt_annual(10_000_000, 0.06, 360)
    assert summary["debt_service"] == pytest.approx(service, rel=1e-12)
    assert summary["dscr"] == pytest.approx(900_000 / service)
    assert summary["debt_yield"] == pytest.approx(0.09)
    assert summary["value"] == pytest.approx(900_000 / 0.07)
    assert summary["ltv"] == pytest.approx(10_000_000 / (900_000 / 0.07))
    assert summary["cap_rate"] == pytest.approx(0.07)
    assert summary["break_even_occupancy"] == pytest.approx(0.9 * (600_000 + service) / 1_500_000)
    io = SimulationRunner().run_single_simulation(
        None, {"name": "IO", "parameters": {"noi": 500_000, "loan_amount": 5e6,
                                            "interest_rate": 0.05, "interest_only": True}},
    )  # fmt: skip
    assert io.summary["dscr"] == pytest.approx(2.0)
    assert io.summary["ltv"] is None and io.summary["break_even_occupancy"] is None


def test_shocks_match_an_independent_computation(sample_db_path: Path, sample_db_url: str) -> None:
    props = independent(sample_db_path)
    cases = [
        ("base", {}, (0, 0, 0, 0)),
        ("noi", {"noi_change_pct": -20}, (-20, 0, 0, 0)),
        ("rate", {"rate_shift_bp": 150}, (0, 150, 0, 0)),
        ("cut", {"rate_shift_bp": -900}, (0, -900, 0, 0)),
        ("all", {"noi_change_pct": -10, "rate_shift_bp": 100, "vacancy_change_pts": 3,
                 "expense_growth_pct": 5}, (-10, 100, 3, 5)),
    ]  # fmt: skip
    batch = SimulationRunner().run_batch_simulations(
        None, [{"name": n, "parameters": p} for n, p, _ in cases]
    )
    for (name, _, shocks), result in zip(cases, batch.results, strict=True):
        want = expected(props, *shocks)
        assert result.name == name and result.status == "succeeded"
        for key, value in want.items():
            assert result.summary[key] == pytest.approx(value, rel=1e-9), (name, key)
        assert result.summary["properties"] == len(props)
    base = batch.results[0].summary
    assert base["dscr_change"] == pytest.approx(0.0) and base["at_risk_change"] == 0
    assert batch.results[1].summary["dscr_change"] == pytest.approx(
        batch.results[1].summary["dscr"] - base["dscr"]
    )
    rows = batch.properties[batch.properties["scenario"] == "all"].set_index("property_id")
    pid = next(p for p, v in props.items() if v["service"] > 0)
    assert rows.loc[pid, "noi"] == pytest.approx(
        0.9 * (props[pid]["noi"] - 0.03 * props[pid]["gpr"] - 0.05 * props[pid]["opex"])
    )
    statuses = set(rows["status"])
    assert statuses <= {"ok", "at risk", "no debt"} and "at risk" in statuses


def test_filtered_shock_reports_its_group(sample_db_path: Path, sample_db_url: str) -> None:
    props = independent(sample_db_path)
    result = SimulationRunner().run_single_simulation(
        None,
        {"name": "retail", "parameters": {"noi_change_pct": -25, "property_types": ["Retail"]}},
    )
    want = expected(props, -25, 0, 0, 0, types={"retail"})
    assert result.summary["dscr"] == pytest.approx(want["dscr"], rel=1e-9)
    assert result.summary["at_risk_count"] == want["at_risk_count"]
    assert result.summary["properties"] == sum(p["type"] == "retail" for p in props.values())


def test_cap_rate_shift_restates_values(sample_db_path: Path, sample_db_url: str) -> None:
    props = independent(sample_db_path)
    result = SimulationRunner().run_single_simulation(
        None, {"name": "cap", "parameters": {"cap_rate_shift_bp": 100}}
    )
    values = balances = 0.0
    for p in props.values():
        if not p["value"] > 0:
            continue
        cap = p["noi"] / p["value"]
        values += p["value"] * cap / (cap + 0.01) if cap > 0 else p["value"]
        balances += p["balance"]
    assert result.summary["aggregate_ltv"] == pytest.approx(balances / values, rel=1e-9)
    assert result.summary["dscr_change"] == pytest.approx(0.0)


def test_one_failing_scenario_does_not_stop_the_batch(sample_db_url: str) -> None:
    specs = [
        {"name": "ok", "parameters": {"noi_change_pct": -10}},
        {"name": "typo", "parameters": {"noi_chnage_pct": -10}},
        {"name": "cap", "parameters": {"cap_rate_shift_bp": -5000}},
        {"name": "nowhere", "parameters": {"noi_change_pct": -10, "markets": ["Atlantis, ZZ"]}},
        {"name": "ok", "parameters": {"noi_change_pct": -20}},
        *PLAN,
    ]
    batch = SimulationRunner().run_batch_simulations(None, specs)
    status = {(r.name, r.status) for r in batch.results}
    assert [r.status for r in batch.results] == [
        "succeeded", "failed", "failed", "failed", "failed", "succeeded", "succeeded", "succeeded",
    ]  # fmt: skip
    assert ("ok", "succeeded") in status
    reasons = [r.error for r in batch.failed]
    assert "field 'noi_chnage_pct': unknown parameter" in reasons[0]
    assert "cap-rate shift of -5000 bp" in reasons[1]
    assert "keep no property" in reasons[2]
    assert "used by an earlier scenario" in reasons[3]
    assert set(batch.properties["scenario"]) == {"ok"}
    assert batch.results[0].to_json()["summary"]["dscr"] == batch.results[0].summary["dscr"]


def test_a_script_needs_settings() -> None:
    with pytest.raises(ValueError, match="settings"):
        SimulationRunner().run_batch_simulations("dscr.py", PLAN)


def test_grid_runs_as_one_array(sample_db_url: str) -> None:
    batch = SimulationRunner().run_batch_simulations(
        None, parse_grid("noi 0..-40 step 10 x rate 0..300 step 100")
    )
    counts = np.array([r.summary["at_risk_count"] for r in batch.results]).reshape(5, 4)
    assert (np.diff(counts, axis=0) >= 0).all() and (np.diff(counts, axis=1) >= 0).all()
    assert len(batch.properties) == 20 * 60


def test_sorted_threshold_lookup_equals_broadcasting() -> None:
    rng = np.random.default_rng(1)
    dscr = rng.lognormal(0.3, 0.4, 5_000)
    dscr[::17] = np.nan  # no debt
    factors = np.concatenate([np.linspace(0, 1.5, 151), [1.0]])
    with np.errstate(invalid="ignore"):
        broadcast = (dscr[None, :] * factors[:, None] < 1.25).sum(axis=1)
    assert (at_risk_counts_sorted(dscr, factors, 1.25) == broadcast).all()


def test_percentiles_match_numpy(sample_db_url: str) -> None:
    batch = SimulationRunner().run_batch_simulations(None, parse_grid("noi -10,-30"))
    for result in batch.results:
        dscr = batch.properties.loc[batch.properties["scenario"] == result.name, "dscr"]
        for key, q in (("p5_dscr", 5), ("median_dscr", 50), ("p95_dscr", 95)):
            assert result.summary[key] == pytest.approx(np.nanpercentile(dscr, q), rel=1e-12)
    assert not math.isnan(batch.results[0].summary["p5_dscr"])


def test_workers_give_the_same_results(sample_db_url: str) -> None:
    scenarios = parse_grid("noi 0..-40 step 10 x rate 0..200 step 100") + [
        Scenario.build("vacancy", {"vacancy_change_pts": 5.0}),
        Scenario.build("offices", {"noi_change_pct": -20.0, "property_types": ["office"]}),
        Scenario.build("broken", {"cap_rate_shift_bp": -5000.0}),
    ]
    one = SimulationRunner().run_batch_simulations(None, scenarios)
    three = SimulationRunner(workers=3).run_batch_simulations(None, scenarios)
    assert [r.to_json() for r in three.results] == [r.to_json() for r in one.results]
    assert three.properties.equals(one.properties)
    assert [r.status for r in one.results].count("failed") == 1
