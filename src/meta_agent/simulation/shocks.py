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
    """Every shock scenario over every property at once."""
    threshold = check_threshold(threshold)
    count = len(shocks)

    def column(name: str) -> np.ndarray:
        return np.array([getattr(s, name) for s in shocks], dtype=float)[:, None]

    scope = np.ones((count, data.size), dtype=bool)
    for row, shock in enumerate(shocks):
        if shock.filtered:
            scope[row] = data.mask(shock.property_types, shock.markets, shock.property_ids)
    vacancy, growth = column("vacancy_change_pts") / 100.0, column("expense_growth_pct") / 100.0
    factor = 1.0 + column("noi_change_pct") / 100.0
    gpr = np.nan_to_num(data.gross_potential_rent)
    shocked_noi = factor * (data.noi - vacancy * gpr - growth * data.operating_expenses)
    noi = np.where(scope, shocked_noi, data.noi)
    occupancy = np.where(scope, np.clip(data.occupancy - vacancy, 0.0, 1.0), data.occupancy)

    base_service = np.nan_to_num(data.debt_service)
    service = np.repeat(base_service[None, :], count, axis=0)
    shifts = column("rate_shift_bp")[:, 0]
    shifted = shifts != 0
    if shifted.any():
        service[shifted] = np.where(
            scope[shifted], data.loans.debt_service(shifts[shifted]), base_service
        )
    value, failures = _revalue(data, column("cap_rate_shift_bp") / 10_000.0, scope)
    dscr = dscr_vector(noi, service)
    with np.errstate(invalid="ignore"):
        at_risk = (dscr < threshold) & scope
    return ShockGrid(noi, service, dscr, at_risk, value, occupancy, scope, failures, threshold)


def _revalue(
    data: PortfolioArrays, shift: np.ndarray, scope: np.ndarray
) -> tuple[np.ndarray, list[str | None]]:
    """Values at the shifted cap rate: value x cap / (cap + shift), for properties with NOI > 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        cap = np.where(data.value > 0, data.noi / data.value, np.nan)
    new_cap = cap[None, :] + shift
    revalued = (shift != 0) & scope & (cap[None, :] > 0)
    broken = revalued & ~(new_cap > 0)
    failures: list[str | None] = [None] * shift.shape[0]
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
    with_debt = (grid.debt_service > 0) & scope
    base_with_debt = (np.nan_to_num(data.debt_service) > 0)[None, :] & scope
    in_scope_dscr = np.where(scope, grid.dscr, np.nan)
    defined = ~np.isnan(in_scope_dscr)
    counts = defined.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        total_noi = np.where(with_debt, grid.noi, 0.0).sum(axis=1)
        total_service = np.where(with_debt, grid.debt_service, 0.0).sum(axis=1)
        aggregate = np.where(total_service > 0, total_noi / total_service, np.nan)
        base_noi = np.where(base_with_debt, data.noi, 0.0).sum(axis=1)
        base_service = np.where(base_with_debt, np.nan_to_num(data.debt_service), 0.0).sum(axis=1)
        base_aggregate = np.where(base_service > 0, base_noi / base_service, np.nan)
        average = np.where(counts > 0, np.nansum(in_scope_dscr, axis=1) / counts, np.nan)
        minimum = np.where(counts > 0, np.where(defined, in_scope_dscr, np.inf).min(axis=1), np.nan)
        valued = scope & (data.value > 0)[None, :]
        balance = np.where(valued, data.loan_balance, 0.0).sum(axis=1)
        values = np.where(valued, grid.value, 0.0).sum(axis=1)
        ltv = np.where(values > 0, balance / values, np.nan)
        base_dscr = dscr_vector(data.noi, data.debt_service)
        base_at_risk = ((base_dscr[None, :] < grid.threshold) & scope).sum(axis=1)
    at_risk = grid.at_risk.sum(axis=1)
    percentiles = _row_percentiles(in_scope_dscr, counts)
    return {
        "properties": scope.sum(axis=1),
        "with_debt": with_debt.sum(axis=1),
        "at_risk_count": at_risk,
        "aggregate_dscr": aggregate,
        "average_dscr": average,
        "min_dscr": minimum,
        "p5_dscr": percentiles[0],
        "median_dscr": percentiles[1],
        "p95_dscr": percentiles[2],
        "total_noi": np.where(scope, grid.noi, 0.0).sum(axis=1),
        "total_debt_service": total_service,
        "aggregate_ltv": ltv,
        "base_aggregate_dscr": base_aggregate,
        "dscr_change": aggregate - base_aggregate,
        "base_at_risk_count": base_at_risk,
        "at_risk_change": at_risk - base_at_risk,
    }


def _row_percentiles(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """P5, P50, P95 of each row's non-NaN values (NaN for a row with none), by sorting once."""
    ordered = np.sort(values, axis=1)  # NaN sorts last
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
