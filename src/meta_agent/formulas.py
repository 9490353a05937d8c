"""DOMAIN.md's loan formulas and defaults, written once.

The sample generator, the calculation tools, the scenario engine and the reports all compute a
loan's annual debt service and judge DSCR against the at-risk threshold. Each used to carry its
own copy; they now import these, so a change to a definition happens in one place. The scalar and
vector forms compute the same expression (``1 - (1 + r)^-n`` through ``expm1``/``log1p``, which
keeps precision for tiny rates), and a test holds them equal.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# DOMAIN.md: a property is at risk when its DSCR is below 1.25 unless the request names another
# threshold. Settings.at_risk_threshold defaults to this; code that has Settings reads it there.
DEFAULT_AT_RISK_THRESHOLD = 1.25


# DOMAIN.md's figures of a group. A ratio is the ratio of the group's sums: metric ->
# (numerator, denominator, over the properties with debt only). Occupancy is weighted by square
# feet. The dollar (and count) figures are summed.
GROUP_RATIOS: dict[str, tuple[str, str, bool]] = {
    "dscr": ("noi", "debt_service", True),
    "cap_rate": ("noi", "value", False),
    "ltv": ("loan_balance", "value", False),
    "debt_yield": ("noi", "loan_balance", True),
    "expense_ratio": ("operating_expenses", "egi", False),
}
GROUP_SUMS: tuple[str, ...] = (
    "noi",
    "egi",
    "operating_expenses",
    "debt_service",
    "loan_balance",
    "value",
    "square_feet",
    "units",
    "loan_count",
)


def level_payment(rate: float, n_periods: int, principal: float) -> float:
    """Excel's PMT as a positive number: the level payment that amortises ``principal`` to zero."""
    if rate == 0:
        return principal / n_periods
    return principal * (rate / -math.expm1(-n_periods * math.log1p(rate)))


def annual_debt_service(balance: float, rate: float, amortization_months: int) -> float:
    """One loan: ``12 * pmt(rate / 12, months, balance)``, or ``balance * rate`` if interest-only."""
    if amortization_months == 0:
        return balance * rate
    return 12.0 * level_payment(rate / 12.0, amortization_months, balance)


def annual_debt_service_vector(
    balance: np.ndarray, rate: np.ndarray, amortization_months: np.ndarray
) -> np.ndarray:
    """Many loans at once, broadcast; NaN where the scalar form has no answer (negative or
    fractional terms, negative balances or rates, NaN inputs)."""
    import numpy as np

    balance, rate, months = np.broadcast_arrays(
        np.asarray(balance, dtype=float),
        np.asarray(rate, dtype=float),
        np.asarray(amortization_months, dtype=float),
    )
    monthly = rate / 12.0
    amortizing = months > 0
    n = np.where(amortizing, months, 1.0)
    with np.errstate(all="ignore"):
        shrink = -np.expm1(-n * np.log1p(monthly))
        factor = np.where(monthly == 0, 1.0 / n, monthly / np.where(monthly == 0, 1.0, shrink))
        out = np.where(amortizing, 12.0 * (balance * factor), balance * rate)
    invalid = (
        (balance < 0)
        | (rate < 0)
        | (months < 0)
        | (months != np.floor(months))
        | np.isnan(balance)
        | np.isnan(rate)
        | np.isnan(months)
    )
    result: np.ndarray = np.where(invalid | ~np.isfinite(out), np.nan, out)
    return result


def amortizing_debt_service(
    balance: np.ndarray, monthly_rate: np.ndarray, months: np.ndarray
) -> np.ndarray:
    """``12 * pmt`` of amortizing loans only (months > 0), broadcast: the arithmetic of
    ``annual_debt_service_vector``, operation for operation, without its checks, for callers
    that made them once per loan (Monte Carlo paths ask for millions of cells)."""
    import numpy as np

    with np.errstate(all="ignore"):
        shrink = -np.expm1(-months * np.log1p(monthly_rate))
        service = 12.0 * (balance * (monthly_rate / shrink))
    result: np.ndarray = np.where(monthly_rate == 0, 12.0 * (balance * (1.0 / months)), service)
    return result


def dscr_vector(noi: np.ndarray, debt_service: np.ndarray) -> np.ndarray:
    """NOI / debt service, broadcast; NaN ("no debt") where debt service is not positive or a
    value is NaN."""
    import numpy as np

    noi = np.asarray(noi, dtype=float)
    service = np.asarray(debt_service, dtype=float)
    # Masks and the safe divisor keep the inputs' own shapes; only the quotient is full size, and
    # it is cleaned in place (a scenarios x properties grid is 10 million cells).
    has_debt = service > 0
    with np.errstate(all="ignore"):
        out = np.asarray(noi / np.where(has_debt, service, 1.0), dtype=float)
    np.copyto(out, np.nan, where=~has_debt)
    np.copyto(out, np.nan, where=~np.isfinite(out))
    result: np.ndarray = out
    return result
