"""The one-sort summary of NOI and rate shocks against the general grid, figure for figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from meta_agent.simulation.parameters import ShockParameters
from meta_agent.simulation.portfolio_data import PortfolioArrays
from meta_agent.simulation.scenarios import LoanBook
from meta_agent.simulation.shocks import apply_shocks, at_risk_counts_sorted, shock_summary
from meta_agent.simulation.uniform import is_uniform, uniform_summary


def portfolio(count: int, seed: int) -> PortfolioArrays:
    """Random properties: some without debt, some with zero or negative NOI, some with 2 loans."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"p{i:05d}" for i in range(count)])
    noi = rng.lognormal(13.5, 0.9, count)
    noi[rng.random(count) < 0.05] = 0.0
    noi[rng.random(count) < 0.05] *= -0.3
    owner = np.concatenate([np.arange(count), rng.choice(count, count // 5)])
    balance = rng.uniform(2e6, 4e7, len(owner))
    loans = pd.DataFrame(
        {
            "property_id": ids[owner],
            "original_balance": balance,
            "interest_rate": rng.uniform(0.02, 0.09, len(owner)),
            "amortization_months": rng.choice([0, 240, 300, 360], len(owner)),
        }
    )
    loans = loans[~np.isin(loans["property_id"], ids[::7])]  # every 7th property: no debt
    book = LoanBook.from_frame(loans, list(ids))
    service = book.debt_service(np.array([0.0]))[0]
    return PortfolioArrays(
        property_ids=ids,
        names=ids,
        property_types=np.full(count, "office"),
        markets=np.full(count, "Dallas, TX"),
        noi=noi,
        gross_potential_rent=np.abs(noi) * 1.6,
        operating_expenses=np.abs(noi) * 0.5,
        debt_service=service,
        loan_balance=np.bincount(book.property_index, book.original_balance, count),
        value=np.abs(noi) / 0.06 + 1.0,
        occupancy=np.full(count, 0.9),
        loans=book,
        monthly_noi=np.empty((count, 0)),
    )


def assert_same(fast: dict[str, np.ndarray], general: dict[str, np.ndarray]) -> None:
    assert fast.keys() == general.keys()
    for key in general:
        np.testing.assert_array_equal(fast[key], general[key], err_msg=key, strict=False)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_noi_by_rate_grid_is_identical_to_the_general_path(seed: int) -> None:
    data = portfolio(3_000, seed)
    rng = np.random.default_rng(seed)
    noi = np.concatenate([[0.0, -100.0, 25.0], -rng.uniform(0, 60, 12).round(3)])
    rates = [0.0, -700.0, 100.0, 250.0]
    shocks = [ShockParameters(noi_change_pct=n, rate_shift_bp=r) for r in rates for n in noi]
    rng.shuffle(shocks)  # rate levels interleaved
    assert is_uniform(shocks)
    general = shock_summary(data, apply_shocks(data, shocks, 1.25))
    assert_same(uniform_summary(data, shocks, 1.25), general)
    assert (general["at_risk_count"] > 0).all()


def test_ties_exactly_at_the_threshold() -> None:
    data = portfolio(400, 4)
    service = np.nan_to_num(data.debt_service)
    # DSCRs of exactly 1.25 / f for the factors below, and 1.25 itself: ties at the threshold.
    targets = np.resize([1.25, 1.25 / 0.8, 1.25 / 0.9, 1.25 / 0.5, 2.5, 1.25], data.size)
    tied = PortfolioArrays(**{**data.__dict__, "noi": np.where(service > 0, targets * service, 1)})
    shocks = [ShockParameters(noi_change_pct=c) for c in (0.0, -20.0, -10.0, -50.0, 100.0)]
    fast = uniform_summary(tied, shocks, 1.25)
    assert_same(fast, shock_summary(tied, apply_shocks(tied, shocks, 1.25)))
    dscr = tied.noi / np.where(service > 0, service, np.nan)
    factors = 1 + np.array([s.noi_change_pct for s in shocks]) / 100
    with np.errstate(invalid="ignore"):
        assert (fast["at_risk_count"] == (factors[:, None] * dscr < 1.25).sum(axis=1)).all()


def test_a_portfolio_without_debt() -> None:
    data = portfolio(50, 5)
    bare = PortfolioArrays(**{**data.__dict__, "debt_service": np.zeros(50)})
    bare = PortfolioArrays(**{**bare.__dict__, "loans": LoanBook.from_frame(
        pd.DataFrame(columns=["property_id", "original_balance", "interest_rate",
                              "amortization_months"]), list(data.property_ids))})  # fmt: skip
    shocks = [ShockParameters(noi_change_pct=-10.0), ShockParameters(rate_shift_bp=100.0)]
    fast = uniform_summary(bare, shocks)
    assert_same(fast, shock_summary(bare, apply_shocks(bare, shocks)))
    assert np.isnan(fast["median_dscr"]).all() and (fast["at_risk_count"] == 0).all()


def test_per_property_shocks_and_filters_are_not_uniform() -> None:
    assert not is_uniform([ShockParameters(vacancy_change_pts=5.0)])
    assert not is_uniform([ShockParameters(expense_growth_pct=3.0)])
    assert not is_uniform([ShockParameters(cap_rate_shift_bp=50.0)])
    assert not is_uniform([ShockParameters(noi_change_pct=-5.0, markets=["Dallas, TX"])])
    with pytest.raises(ValueError, match="NOI and rate"):
        uniform_summary(portfolio(10, 6), [ShockParameters(vacancy_change_pts=5.0)])


def test_sorted_counts_are_exact_where_threshold_over_f_rounds() -> None:
    rng = np.random.default_rng(7)
    factors = rng.uniform(0.3, 1.2, 300)
    # Values next to 1.25 / f, where comparing with the rounded quotient can be off by one.
    dscr = np.concatenate([np.nextafter(1.25 / factors, k) for k in (0, np.inf)] + [1.25 / factors])
    with np.errstate(invalid="ignore"):
        exact = (factors[:, None] * dscr[None, :] < 1.25).sum(axis=1)
    assert (at_risk_counts_sorted(dscr, factors, 1.25) == exact).all()
