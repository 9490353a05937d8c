"""Portfolio shocks over arrays of scenarios x properties, in one pass for a whole batch.

Each shock follows docs/DOMAIN.md: the NOI change, vacancy change and expense growth act on every
month's statement (so on T12 figures), the rate shift on every loan's rate with its debt service
recomputed by ``formulas`` (through ``LoanBook``), the cap-rate shift on values. A scenario with
filters shocks only the properties they keep, and its figures are those of that group.

A scenario whose shocks cannot be applied (a cap-rate shift that takes a cap rate to zero or
below) is reported in ``failures`` and left out of the figures; the rest of the batch stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD, dscr_vector
from meta_agent.simulation.parameters import ShockParameters
from meta_agent.simulation.portfolio_data import PortfolioArrays
from meta_agent.simulation.scenarios import check_threshold

PERCENTILES = (5.0, 50.0, 95.0)


@dataclass(frozen=True)
class ShockGrid:
    """Shocked figures, one row per scenario, one column per property; ``scope`` the group."""

    noi: np.ndarray
    debt_service: np.ndarray
    dscr: np.ndarray
    at_risk: np.ndarray
    value: np.ndarray
    occupancy: np.ndarray
    scope: np.ndarray
    failures: list[str | None]
    threshold: float


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
    if vacancy.any() or growth.any():
        gpr = np.nan_to_num(data.gross_potential_rent)
        noi = within(
            factor * (data.noi - vacancy * gpr - growth * data.operating_expenses), data.noi
        )
        occupancy = within(np.clip(data.occupancy - vacancy, 0.0, 1.0), data.occupancy)
    else:
        noi = within(factor * data.noi, data.noi)
        occupancy = np.broadcast_to(data.occupancy, shape)

    base_service = np.nan_to_num(data.debt_service)
    shifts = column("rate_shift_bp")[:, 0]
    shifted = shifts != 0
    service: np.ndarray = np.broadcast_to(base_service, shape)
    if shifted.any():
        service = np.repeat(base_service[None, :], shape[0], axis=0)
        recomputed = data.loans.debt_service(shifts[shifted])
        service[shifted] = (
            np.where(scope[shifted], recomputed, base_service) if filtered else recomputed
        )
    value, failures = _revalue(data, column("cap_rate_shift_bp") / 10_000.0, scope)
    dscr = dscr_vector(noi, service)
    with np.errstate(invalid="ignore"):
        at_risk = dscr < threshold  # NaN (no debt) compares False: never at risk
    if filtered:
        at_risk &= scope
    return ShockGrid(noi, service, dscr, at_risk, value, occupancy, scope, failures, threshold)


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
    defined = ~np.isnan(dscr)
    counts = defined.sum(axis=1)
    valued = data.value > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        total_noi = np.sum(grid.noi, axis=1, where=with_debt)
        total_service = np.sum(grid.debt_service, axis=1, where=with_debt)
        aggregate = np.where(total_service > 0, total_noi / total_service, np.nan)
        base_noi = over_group(data.noi, base_service > 0)
        base_total = over_group(base_service, base_service > 0)
        base_aggregate = np.where(base_total > 0, base_noi / base_total, np.nan)
        average = np.where(counts > 0, np.sum(dscr, axis=1, where=defined) / counts, np.nan)
        minimum = np.where(counts > 0, np.min(dscr, axis=1, where=defined, initial=np.inf), np.nan)
        balance = over_group(data.loan_balance, valued)
        if grid.value.strides[0] == 0:  # no cap-rate shift: the values are the base's
            values = over_group(data.value, valued)
        else:
            values = np.sum(grid.value, axis=1, where=valued[None, :] & scope)
        ltv = np.where(values > 0, balance / values, np.nan)
        base_at_risk = over_group(np.ones(data.size), base_dscr < grid.threshold).astype(np.int64)
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
        "total_noi": grid.noi.sum(axis=1) if whole else np.sum(grid.noi, axis=1, where=scope),
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
    out = np.full((len(PERCENTILES), values.shape[0]), np.nan)
    rows = np.flatnonzero(counts > 0)
    for i, q in enumerate(PERCENTILES):
        position = (counts[rows] - 1) * q / 100.0
        low = np.floor(position).astype(np.int64)
        high = np.minimum(low + 1, counts[rows] - 1)
        weight = position - low
        out[i, rows] = ordered[rows, low] * (1 - weight) + ordered[rows, high] * weight
    return out


def at_risk_counts_sorted(
    dscr: np.ndarray, noi_factors: np.ndarray, threshold: float = DEFAULT_AT_RISK_THRESHOLD
) -> np.ndarray:
    """At-risk counts under NOI-only shocks by one sort and a binary search per scenario.

    DSCR x f < t exactly when DSCR < t / f for f > 0, so each count is a ``searchsorted`` of the
    sorted base DSCRs; with f = 0 (NOI gone) every property with debt is at risk.
    """
    threshold = check_threshold(threshold)
    base = np.sort(np.asarray(dscr, dtype=float)[~np.isnan(dscr)])
    factors = np.asarray(noi_factors, dtype=float)
    with np.errstate(divide="ignore"):
        limits = np.where(factors > 0, threshold / np.where(factors > 0, factors, 1.0), np.inf)
    counts = np.searchsorted(base, limits, side="left")
    return np.where(factors > 0, counts, len(base))
