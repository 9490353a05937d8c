"""NOI and rate shocks over the whole portfolio, summarised without a scenarios x properties grid.

A uniform NOI change multiplies every property's T12 NOI, and so its DSCR, by the same factor f
(DOMAIN.md), and f >= 0 keeps their order. So for each rate level (one debt-service vector, shared
by every NOI level at that rate) one sort of the DSCRs gives every scenario's percentiles (f x the
values at the same ranks), minimum (f x the smallest) and at-risk count (a binary search on f x
DSCR < threshold), and every group sum is f x one sum. ``shocks.apply_shocks`` computes its grid
in the same form, so the two give identical figures; vacancy, expense and cap-rate shocks, and
filters, differ per property and take that general path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD, dscr_vector
from meta_agent.simulation.parameters import ShockParameters
from meta_agent.simulation.portfolio_data import PortfolioArrays
from meta_agent.simulation.scenarios import check_threshold
from meta_agent.simulation.shocks import count_below, interpolated_percentiles

# Shocks that move properties by different amounts: a batch with any of them is not uniform.
PER_PROPERTY_SHOCKS = ("vacancy_change_pts", "expense_growth_pct", "cap_rate_shift_bp")


def is_uniform(shocks: Sequence[ShockParameters]) -> bool:
    """Whether every scenario shocks only NOI (by a factor) and rates, over the whole portfolio."""
    return all(
        not s.filtered and not any(getattr(s, name) for name in PER_PROPERTY_SHOCKS) for s in shocks
    )


def uniform_summary(
    data: PortfolioArrays,
    shocks: Sequence[ShockParameters],
    threshold: float = DEFAULT_AT_RISK_THRESHOLD,
) -> dict[str, np.ndarray]:
    """``shock_summary``'s figures for NOI and rate shocks alone, one sort per rate level."""
    threshold = check_threshold(threshold)
    if not is_uniform(shocks):
        raise ValueError("uniform_summary takes NOI and rate shocks over the whole portfolio only")
    count = len(shocks)
    factors = 1.0 + np.array([s.noi_change_pct for s in shocks], dtype=float) / 100.0
    shifts = np.array([s.rate_shift_bp for s in shocks], dtype=float)
    levels, inverse = np.unique(shifts, return_inverse=True)
    inverse = inverse.ravel()
    base_service = np.nan_to_num(data.debt_service)
    moved = levels[levels != 0]
    recomputed = iter(data.loans.debt_service(moved) if len(moved) else ())

    with_debt = np.empty(count, dtype=np.int64)
    counts = np.empty(count, dtype=np.int64)
    at_risk = np.empty(count, dtype=np.int64)
    noi_sums, service_sums, dscr_sums, minimum = (np.empty(count) for _ in range(4))
    ordered_rows: list[np.ndarray] = []
    for level, shift in enumerate(levels):
        rows = np.flatnonzero(inverse == level)
        service = base_service if shift == 0 else next(recomputed)
        has_debt = service > 0
        dscr = dscr_vector(data.noi, service)
        ordered = np.sort(dscr)  # NaN (no debt) sorts last
        defined = int(np.count_nonzero(~np.isnan(dscr)))
        ordered = ordered[:defined]
        f = factors[rows]
        with_debt[rows] = np.count_nonzero(has_debt)
        counts[rows] = defined
        noi_sums[rows] = np.sum(data.noi, where=has_debt)
        service_sums[rows] = np.sum(service, where=has_debt)
        dscr_sums[rows] = np.sum(dscr, where=~np.isnan(dscr))
        minimum[rows] = f * ordered[0] if defined else np.nan
        at_risk[rows] = count_below(ordered, f, threshold)
        ordered_rows.append(ordered)

    # Every level's sorted DSCRs end to end: a scenario's value at a rank is f x one element.
    flat = np.concatenate(ordered_rows)
    starts = np.cumsum([0] + [len(o) for o in ordered_rows[:-1]])
    kept = np.flatnonzero(counts > 0)

    def pick(ranks: np.ndarray) -> np.ndarray:
        values: np.ndarray = factors[kept] * flat[starts[inverse[kept]] + ranks[kept]]
        return values

    percentiles = interpolated_percentiles(counts, pick)
    base_has_debt = base_service > 0
    base_dscr = dscr_vector(data.noi, data.debt_service)
    valued = data.value > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        total_noi = factors * noi_sums
        aggregate = np.where(service_sums > 0, total_noi / service_sums, np.nan)
        base_total = np.sum(base_service, where=base_has_debt)
        base_aggregate = (
            np.sum(data.noi, where=base_has_debt) / base_total if base_total > 0 else np.nan
        )
        average = np.where(counts > 0, factors * dscr_sums / counts, np.nan)
        values = np.sum(data.value, where=valued)
        ltv = np.sum(data.loan_balance, where=valued) / values if values > 0 else np.nan
        base_at_risk = int(np.sum(np.ones(data.size), where=base_dscr < threshold))
    return {
        "properties": np.full(count, data.size, dtype=np.int64),
        "with_debt": with_debt,
        "at_risk_count": at_risk,
        "aggregate_dscr": aggregate,
        "average_dscr": average,
        "min_dscr": np.where(counts > 0, minimum, np.nan),
        "p5_dscr": percentiles[0],
        "median_dscr": percentiles[1],
        "p95_dscr": percentiles[2],
        "total_noi": factors * np.full(count, data.noi.sum()),
        "total_debt_service": service_sums,
        "aggregate_ltv": np.full(count, ltv),
        "base_aggregate_dscr": np.full(count, base_aggregate),
        "dscr_change": aggregate - base_aggregate,
        "base_at_risk_count": np.full(count, base_at_risk, dtype=np.int64),
        "at_risk_change": at_risk - base_at_risk,
    }
