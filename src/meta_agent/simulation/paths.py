"""Monte Carlo paths: each draw's months between today and the horizon (docs/DOMAIN.md).

A draw fixes the NOI and the rate shift reached at the horizon (``montecarlo``); the months in
between follow from them and from the draw's own random steps, so they add to a draw without
changing it.
"""

from __future__ import annotations

import numpy as np

from meta_agent.simulation.portfolio_data import PortfolioArrays


def months_between(
    data: PortfolioArrays,
    horizon: int,
    spread: float,
    threshold: float,
    horizon_noi: np.ndarray,
    shifts: np.ndarray,
    steps: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate DSCR and at-risk count at months 1 .. horizon - 1 of each draw (draws x months).

    NOI moves in a straight line from today's to the horizon's. The rate shift is a random walk
    of monthly N(0, spread / sqrt(horizon)) steps, tied to the drawn horizon shift (a Brownian
    bridge: walk_m - m / horizon x walk_horizon, plus m / horizon x the shift), so the shift at
    the horizon is exactly the one drawn; for a normal distribution the path is a plain random
    walk with that distribution at the horizon.
    """
    draws = steps.shape[0]
    fraction = np.arange(1, horizon) / horizon  # months 1 .. horizon - 1
    walk = np.cumsum(steps * (spread / np.sqrt(horizon)), axis=1)  # months 1 .. H
    path = fraction * shifts[:, None] + (walk[:, :-1] - fraction * walk[:, -1:])
    noi = data.noi[None, None, :] + fraction[None, :, None] * (
        horizon_noi[:, None, :] - data.noi[None, None, :]
    )  # draws x months x properties
    service = data.loans.debt_service(path.ravel()).reshape(draws, horizon - 1, data.size)
    has_debt = np.nan_to_num(data.debt_service) > 0
    service = np.where(has_debt, service, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = np.sum(noi, axis=2, where=has_debt) / service.sum(axis=2)
    # DSCR < threshold for a property with debt service, as dscr_vector would give it.
    below = (noi < threshold * service) & (service > 0)
    return total, below.sum(axis=2)
