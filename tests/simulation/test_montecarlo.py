"""Monte Carlo: seeded, identical on any number of workers, checked against a plain recomputation."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from meta_agent.errors import ScenarioInvalid
from meta_agent.simulation.montecarlo import (
    CHUNK_DRAWS,
    Distribution,
    MonteCarloSpec,
    run_monte_carlo,
)
from meta_agent.simulation.portfolio_data import PortfolioArrays, load_portfolio
from tests.simulation.test_runner import expected, independent, pmt_annual


@pytest.fixture(scope="module")
def portfolio(sample_db_path: Path) -> PortfolioArrays:
    return load_portfolio(f"sqlite:///{sample_db_path}")


def spec(draws: int, seed: int = 5, workers: int = 1, noi: str = "normal:0,10",
         rate: str = "normal:0,100", horizon: int = 12) -> MonteCarloSpec:  # fmt: skip
    return MonteCarloSpec(
        draws=draws,
        seed=seed,
        workers=workers,
        noi=Distribution.parse(noi, "noi"),
        rate=Distribution.parse(rate, "rate"),
        horizon_months=horizon,
    )


def test_same_seed_same_result_on_any_number_of_workers(portfolio: PortfolioArrays) -> None:
    one = run_monte_carlo(portfolio, spec(3_500, workers=1))
    four = run_monte_carlo(portfolio, spec(3_500, workers=4))
    assert np.array_equal(one.aggregate_dscr, four.aggregate_dscr)
    assert np.array_equal(one.at_risk_count, four.at_risk_count)
    assert np.array_equal(one.breach_probability, four.breach_probability)
    assert np.array_equal(one.path_dscr, four.path_dscr)
    assert np.array_equal(one.path_at_risk, four.path_at_risk)
    assert one.fan_table().equals(four.fan_table())
    shorter = run_monte_carlo(portfolio, spec(CHUNK_DRAWS, workers=2))
    assert np.array_equal(shorter.aggregate_dscr, one.aggregate_dscr[:CHUNK_DRAWS])
    other = run_monte_carlo(portfolio, spec(3_500, seed=6))
    assert not np.array_equal(other.aggregate_dscr, one.aggregate_dscr)
    assert one.summary() == four.summary()


def test_draws_match_a_plain_recomputation(
    sample_db_path: Path, portfolio: PortfolioArrays
) -> None:
    result = run_monte_carlo(portfolio, spec(1_200, seed=9))
    props = independent(sample_db_path)
    # The draws of chunk 1, made again: NOI growth first, then the rate shifts.
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(9).spawn(2)[1]))
    growth = rng.normal(0, 10, 200)
    shifts = rng.normal(0, 100, 200)
    for i in (0, 17, 199):
        noi_sum = service_sum = 0.0
        below = 0
        for p in props.values():
            if p["service"] <= 0:
                continue
            noi = p["noi"] * (1 + growth[i] / 100)
            service = sum(
                pmt_annual(b, max(r + shifts[i] / 10_000, 0.0), int(m))
                for b, r, m, _, _ in p["loans"]
            )
            noi_sum, service_sum = noi_sum + noi, service_sum + service
            below += noi / service < 1.25
        assert result.aggregate_dscr[CHUNK_DRAWS + i] == pytest.approx(
            noi_sum / service_sum, rel=1e-9
        )
        assert result.at_risk_count[CHUNK_DRAWS + i] == below


def test_fixed_draws_equal_the_shock_engine(
    sample_db_path: Path, portfolio: PortfolioArrays
) -> None:
    result = run_monte_carlo(
        portfolio, spec(50, noi="normal:-10,0", rate="triangular:100,100,100.000001")
    )
    want = expected(independent(sample_db_path), -10, 100, 0, 0)
    assert result.aggregate_dscr == pytest.approx(want["dscr"], rel=1e-6)
    assert set(result.at_risk_count) == {want["at_risk_count"]}
    breaches = result.breach_table().dropna(subset=["breach_probability"])
    assert set(breaches["breach_probability"]) <= {0.0, 1.0}
    assert breaches["breach_probability"].sum() == want["at_risk_count"]


def test_historical_bootstrap_uses_each_propertys_own_history(
    sample_db_path: Path, portfolio: PortfolioArrays
) -> None:
    result = run_monte_carlo(portfolio, spec(40, seed=3, noi="historical", rate="normal:0,0"))
    con = sqlite3.connect(sample_db_path)
    periods = [r[0] for r in con.execute("SELECT DISTINCT period FROM financials ORDER BY period")]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(3).spawn(1)[0]))
    months = rng.integers(0, len(periods) - 12, size=40)
    props = independent(sample_db_path)
    for draw in (0, 39):
        month, before = periods[months[draw] + 12], periods[months[draw]]
        noi_sum = service_sum = 0.0
        for pid, p in props.items():
            if p["service"] <= 0:
                continue
            now, then = (
                con.execute(
                    "SELECT noi FROM financials WHERE property_id = ? AND period = ?", (pid, d)
                ).fetchone()[0]
                for d in (month, before)
            )
            factor = now / then if now > 0 and then > 0 else 1.0
            noi_sum += p["noi"] * factor
            service_sum += p["service"]
        assert result.aggregate_dscr[draw] == pytest.approx(noi_sum / service_sum, rel=1e-6)
    con.close()


def test_distributions_stay_in_their_support(portfolio: PortfolioArrays) -> None:
    tri = run_monte_carlo(portfolio, spec(2_000, noi="triangular:-20,-5,5", rate="lognormal:4,0.5"))
    assert tri.noi_growth_pct.min() >= -20 - 1e-9 and tri.noi_growth_pct.max() <= 5 + 1e-9
    assert (tri.rate_shift_bp > 0).all()
    log = run_monte_carlo(portfolio, spec(2_000, noi="lognormal:0,0.2", rate="normal:0,0"))
    assert log.noi_growth_pct.min() > -100
    assert math.isclose(np.median(log.noi_growth_pct), 0.0, abs_tol=2.0)
    table = log.percentile_table().set_index("figure")
    assert table.loc["aggregate_dscr", "p5"] < table.loc["aggregate_dscr", "p95"]


@pytest.mark.parametrize(
    ("text", "what", "words"),
    [
        ("gaussian:0,1", "noi", "unknown distribution"),
        ("normal:0", "noi", "normal takes mean,sd"),
        ("normal:0,-1", "rate", "spread must be >= 0"),
        ("triangular:5,0,1", "noi", "low <= mode <= high"),
        ("historical", "rate", "historical bootstrap is for NOI"),
        ("normal:a,b", "noi", "normal takes mean,sd"),
    ],
)
def test_distribution_errors(text: str, what: str, words: str) -> None:
    with pytest.raises(ScenarioInvalid, match=words):
        Distribution.parse(text, what)  # type: ignore[arg-type]


def test_paths_run_from_today_to_the_drawn_horizon(portfolio: PortfolioArrays) -> None:
    result = run_monte_carlo(portfolio, spec(1_500, horizon=24))
    assert result.path_dscr.shape == result.path_at_risk.shape == (1_500, 25)
    # Month 24 is the horizon: the draw itself, bit for bit; month 0 is today for every draw.
    assert np.array_equal(result.path_dscr[:, -1], result.aggregate_dscr)
    assert np.array_equal(result.path_at_risk[:, -1], result.at_risk_count)
    today = run_monte_carlo(portfolio, spec(10, noi="normal:0,0", rate="normal:0,0"))
    assert set(result.path_dscr[:, 0]) == {today.aggregate_dscr[0]}
    assert set(result.path_at_risk[:, 0]) == {today.at_risk_count[0]}
    fan = result.fan_table()
    assert list(fan["month"]) == list(range(25))
    widths = (fan["dscr_p95"] - fan["dscr_p5"]).to_numpy()
    assert widths[0] == 0 and (np.diff(widths[:13]) > 0).sum() >= 10  # the fan opens
    assert (fan["dscr_p5"] <= fan["dscr_p25"]).all() and (fan["dscr_p75"] <= fan["dscr_p95"]).all()


def test_a_month_on_the_path_matches_a_plain_recomputation(
    sample_db_path: Path, portfolio: PortfolioArrays
) -> None:
    horizon, draws = 36, 40
    result = run_monte_carlo(portfolio, spec(draws, seed=4, horizon=horizon))
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(4).spawn(1)[0]))
    growth = rng.normal(0, 10, draws)
    shifts = rng.normal(0, 100, draws)
    walk = np.cumsum(rng.standard_normal((draws, horizon)) * 100 / math.sqrt(horizon), axis=1)
    props = independent(sample_db_path)
    for draw, month in ((0, 1), (7, 18), (39, 35)):
        share = month / horizon
        shift = share * shifts[draw] + walk[draw, month - 1] - share * walk[draw, -1]
        noi_sum = service_sum = 0.0
        below = 0
        for p in props.values():
            if p["service"] <= 0:
                continue
            noi = p["noi"] + share * (p["noi"] * (1 + growth[draw] / 100) - p["noi"])
            service = sum(
                pmt_annual(b, max(r + shift / 10_000, 0.0), int(m)) for b, r, m, _, _ in p["loans"]
            )
            noi_sum, service_sum = noi_sum + noi, service_sum + service
            below += noi / service < 1.25
        assert result.path_dscr[draw, month] == pytest.approx(noi_sum / service_sum, rel=1e-9)
        assert result.path_at_risk[draw, month] == below


def test_the_horizon_is_checked_and_recorded() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        spec(10, horizon=0)
    with pytest.raises(ValidationError):
        spec(10, horizon=121)
    assert "--horizon 60" in spec(10, horizon=60).describe()
    assert spec(10, horizon=60).to_json()["horizon_months"] == 60


def test_spread_of_each_distribution() -> None:
    assert Distribution.parse("normal:5,40", "rate").spread() == 40
    tri = np.random.default_rng(0).triangular(-50, 10, 200, 400_000)
    assert Distribution.parse("triangular:-50,10,200", "rate").spread() == pytest.approx(
        tri.std(), rel=0.01
    )
    log = np.random.default_rng(0).lognormal(4, 0.5, 400_000)
    assert Distribution.parse("lognormal:4,0.5", "rate").spread() == pytest.approx(
        log.std(), rel=0.02
    )
