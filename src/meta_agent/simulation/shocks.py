"""Portfolio shocks over arrays of scenarios x properties, in one pass for a whole batch.

Each shock follows docs/DOMAIN.md: the NOI change, vacancy change and expense growth act on every
month's statement (so on T12 figures), the rate shift on every loan's rate with its debt service
recomputed by ``formulas`` (through ``LoanBook``), the cap-rate shift on values. A scenario with
filters shocks only the properties they keep, and its figures are those of that group.

A scenario whose shocks cannot be applied (a cap-rate shift that takes a cap rate to zero or
below) is reported in ``failures`` and left out of the figures; the rest of the batch stands.

The NOI change is a factor f on T12 NOI, so a property's shocked DSCR is f x (its DSCR before the
factor), and group sums are f x the sums before it. The grid is computed in that form, so the
figures here are bit for bit those of ``uniform.uniform_summary``, which gets them for NOI and
rate shocks alone from one sort per rate level instead of a scenarios x properties grid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD, dscr_vector
from meta_agent.simulation.parameters import ShockParameters
from meta_agent.simulation.portfolio_data import PortfolioArrays
from meta_agent.simulation.scenarios import check_threshold

PERCENTILES = (5.0, 50.0, 95.0)


@dataclass(frozen=True)
class ShockGrid:
    """Shocked figures, one row per scenario, one column per property; ``scope`` the group.

    ``noi`` is ``factor`` x ``inner_noi`` (T12 NOI with vacancy and expense shocks, before the
    NOI change) and ``dscr`` is ``factor`` x ``inner_dscr``; ``factor`` is 1 outside the group.
    """

    noi: np.ndarray
    debt_service: np.ndarray
    dscr: np.ndarray
    at_risk: np.ndarray
    value: np.ndarray
    occupancy: np.ndarray
    scope: np.ndarray
    failures: list[str | None]
    threshold: float
    factor: np.ndarray
    inner_noi: np.ndarray
    inner_dscr: np.ndarray


def apply_shocks(
    data: PortfolioArrays,
    shocks: Sequence[ShockParameters],
    threshold: float = DEFAULT_AT_RISK_THRESHOLD,
) -> ShockGrid:
    """Every shock scenario over every property at once.

    Figures a batch does not shock (occupancy without a vacancy change, debt service without a
    rate shift, values without a cap-rate shift) are read-only broadcast views of the base, so a
    grid of NOI shocks costs one scenarios x properties array per figure it changes.
    """
    threshold = check_threshold(threshold)
    shape = (len(shocks), data.size)

    def column(name: str) -> np.ndarray:
        return np.array([getattr(s, name) for s in shocks], dtype=float)[:, None]

    filtered = any(s.filtered for s in shocks)
    scope: np.ndarray = np.broadcast_to(np.True_, shape)
    if filtered:
        scope = np.ones(shape, dtype=bool)
        for row, shock in enumerate(shocks):
            if shock.filtered:
                scope[row] = data.mask(shock.property_types, shock.markets, shock.property_ids)

    def within(shocked: np.ndarray, base: np.ndarray) -> np.ndarray:
        return np.where(scope, shocked, base) if filtered else shocked

    vacancy, growth = column("vacancy_change_pts") / 100.0, column("expense_growth_pct") / 100.0
    factor = 1.0 + column("noi_change_pct") / 100.0
    inner: np.ndarray = np.broadcast_to(data.noi, shape)
    occupancy: np.ndarray = np.broadcast_to(data.occupancy, shape)
    if vacancy.any() or growth.any():
        gpr = np.nan_to_num(data.gross_potential_rent)
        inner = within(data.noi - vacancy * gpr - growth * data.operating_expenses, data.noi)
        occupancy = within(np.clip(data.occupancy - vacancy, 0.0, 1.0), data.occupancy)
    scoped_factor = np.where(scope, factor, 1.0) if filtered else factor
    noi = scoped_factor * inner

    service = debt_service_rows(data, column("rate_shift_bp")[:, 0])
    if filtered and service.strides[0] != 0:
        service = np.where(scope, service, np.nan_to_num(data.debt_service))
    value, failures = _revalue(data, column("cap_rate_shift_bp") / 10_000.0, scope)
    inner_dscr = dscr_vector(inner, service)
    dscr = scoped_factor * inner_dscr
    with np.errstate(invalid="ignore"):
        at_risk = dscr < threshold  # NaN (no debt) compares False: never at risk
    if filtered:
        at_risk &= scope
    return ShockGrid(
        noi, service, dscr, at_risk, value, occupancy, scope, failures, threshold,
        factor[:, 0], inner, inner_dscr,
    )  # fmt: skip


def debt_service_rows(data: PortfolioArrays, shifts: np.ndarray) -> np.ndarray:
    """Debt service per property (columns) under each rate shift (rows), computed once per
    distinct shift; rows without a shift are read-only views of the base."""
    base_service = np.nan_to_num(data.debt_service)
    shape = (len(shifts), data.size)
    if not (shifts != 0).any():
        return np.broadcast_to(base_service, shape)
    levels, inverse = np.unique(shifts, return_inverse=True)
    by_level = np.empty((len(levels), data.size))
    moved = levels != 0
    by_level[~moved] = base_service
    by_level[moved] = data.loans.debt_service(levels[moved])
    return by_level[inverse.ravel()]


def _revalue(
    data: PortfolioArrays, shift: np.ndarray, scope: np.ndarray
) -> tuple[np.ndarray, list[str | None]]:
    """Values at the shifted cap rate: value x cap / (cap + shift), for properties with NOI > 0."""
    failures: list[str | None] = [None] * shift.shape[0]
    if not shift.any():
        return np.broadcast_to(data.value, scope.shape), failures
    with np.errstate(divide="ignore", invalid="ignore"):
        cap = np.where(data.value > 0, data.noi / data.value, np.nan)
    new_cap = cap[None, :] + shift
    revalued = (shift != 0) & scope & (cap[None, :] > 0)
    broken = revalued & ~(new_cap > 0)
    for row in np.flatnonzero(broken.any(axis=1)):
        where = int(np.flatnonzero(broken[row])[0])
        failures[row] = (
            f"the cap-rate shift of {shift[row, 0] * 10_000:+g} bp takes the cap rate of "
            f"{data.property_ids[where]} ({cap[where]:.2%}) to zero or below"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(revalued & ~broken, data.value * cap / new_cap, data.value)
    return value, failures


def shock_summary(data: PortfolioArrays, grid: ShockGrid) -> dict[str, np.ndarray]:
    """Per scenario (over its group): counts, aggregate and distribution of DSCR, change vs base.

    The aggregate DSCR is the group's sum of NOI over properties with debt / their sum of debt
    service (DOMAIN.md), never a mean; ``average_dscr`` is the plain mean, labelled so.
    """
    scope = grid.scope
    rows = scope.shape[0]
    whole = bool(scope.all())
    base_service = np.nan_to_num(data.debt_service)
    base_dscr = dscr_vector(data.noi, data.debt_service)

    def over_group(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Row sums over the group of per-property ``values`` (the same every scenario)."""
        if whole:  # no filters: one sum over the portfolio, not one per scenario
            return np.full(rows, np.sum(values, where=keep))
        sums: np.ndarray = np.sum(
            np.broadcast_to(values, scope.shape), axis=1, where=keep[None, :] & scope
        )
        return sums

    with_debt = grid.debt_service > 0
    if not whole:
        with_debt = with_debt & scope
    dscr = grid.dscr if whole else np.where(scope, grid.dscr, np.nan)
    defined = ~np.isnan(grid.inner_dscr)
    if not whole:
        defined &= scope
    counts = defined.sum(axis=1)
    valued = data.value > 0
    factor = grid.factor
    with np.errstate(invalid="ignore", divide="ignore"):
        total_noi = factor * np.sum(grid.inner_noi, axis=1, where=with_debt)
        total_service = np.sum(grid.debt_service, axis=1, where=with_debt)
        aggregate = np.where(total_service > 0, total_noi / total_service, np.nan)
        base_noi = over_group(data.noi, base_service > 0)
        base_total = over_group(base_service, base_service > 0)
        base_aggregate = np.where(base_total > 0, base_noi / base_total, np.nan)
        dscr_sum = factor * np.sum(grid.inner_dscr, axis=1, where=defined)
        average = np.where(counts > 0, dscr_sum / counts, np.nan)
        minimum = np.where(counts > 0, np.min(dscr, axis=1, where=defined, initial=np.inf), np.nan)
        balance = over_group(data.loan_balance, valued)
        if grid.value.strides[0] == 0:  # no cap-rate shift: the values are the base's
            values = over_group(data.value, valued)
        else:
            values = np.sum(grid.value, axis=1, where=valued[None, :] & scope)
        ltv = np.where(values > 0, balance / values, np.nan)
        base_at_risk = over_group(np.ones(data.size), base_dscr < grid.threshold).astype(np.int64)
        noi_sum = (
            grid.inner_noi.sum(axis=1) if whole else np.sum(grid.inner_noi, axis=1, where=scope)
        )
    at_risk = grid.at_risk.sum(axis=1)
    percentiles = _row_percentiles(dscr, counts)
    return {
        "properties": over_group(np.ones(data.size), np.ones(data.size, dtype=bool)).astype(
            np.int64
        ),
        "with_debt": with_debt.sum(axis=1),
        "at_risk_count": at_risk,
        "aggregate_dscr": aggregate,
        "average_dscr": average,
        "min_dscr": minimum,
        "p5_dscr": percentiles[0],
        "median_dscr": percentiles[1],
        "p95_dscr": percentiles[2],
        "total_noi": factor * noi_sum,
        "total_debt_service": total_service,
        "aggregate_ltv": ltv,
        "base_aggregate_dscr": base_aggregate,
        "dscr_change": aggregate - base_aggregate,
        "base_at_risk_count": base_at_risk,
        "at_risk_change": at_risk - base_at_risk,
    }


def _row_percentiles(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """P5, P50, P95 of each row's non-NaN values (NaN for a row with none), linear between ranks.

    One sort of the grid (NaN sorts last); measured faster than ``np.partition`` at the needed
    ranks, which is slow on rows holding NaN.
    """
    ordered = np.sort(values, axis=1)
    rows = np.flatnonzero(counts > 0)
    return interpolated_percentiles(counts, lambda rank: ordered[rows, rank[rows]])


def interpolated_percentiles(
    counts: np.ndarray, pick: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """PERCENTILES of rows holding ``counts`` sorted values, linear between ranks (NaN for an
    empty row); ``pick(ranks)`` gives each non-empty row's value at its rank."""
    out = np.full((len(PERCENTILES), len(counts)), np.nan)
    rows = np.flatnonzero(counts > 0)
    for i, q in enumerate(PERCENTILES):
        position = (counts - 1) * q / 100.0
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, counts - 1)
        weight = (position - low)[rows]
        out[i, rows] = pick(low) * (1 - weight) + pick(high) * weight
    return out


def at_risk_counts_sorted(
    dscr: np.ndarray, noi_factors: np.ndarray, threshold: float = DEFAULT_AT_RISK_THRESHOLD
) -> np.ndarray:
    """At-risk counts under NOI-only shocks (f x DSCR < threshold) from one sort of the DSCRs."""
    threshold = check_threshold(threshold)
    base = np.sort(np.asarray(dscr, dtype=float)[~np.isnan(dscr)])
    return count_below(base, np.asarray(noi_factors, dtype=float), threshold)


def count_below(ordered: np.ndarray, factors: np.ndarray, threshold: float) -> np.ndarray:
    """For each factor f, how many of the ascending ``ordered`` values have f x value < threshold.

    f x value, rounded, never decreases as value grows (f >= 0), so those values are a prefix
    of ``ordered``, found by a binary search on that very product: the counts are exactly those
    of comparing every product, with no rounding of threshold / f in between.
    """
    size = len(ordered)
    low = np.zeros(len(factors), dtype=np.int64)
    high = np.full(len(factors), size, dtype=np.int64)
    if size == 0:
        return low
    while (searching := low < high).any():
        middle = (low + high) // 2
        below = factors * ordered[np.minimum(middle, size - 1)] < threshold
        low = np.where(searching & below, middle + 1, low)
        high = np.where(searching & ~below, middle, high)
    return low
