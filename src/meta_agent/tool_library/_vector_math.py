"""Numpy kernels behind the vectorised calculation tools (DSCR, debt service, IRR by the row).

Kept apart from ``calculation_tools`` so that the tool module imports no numpy when it loads; the
tools import this module inside their bodies. Every function returns NaN where the matching scalar
tool raises ``UndefinedMetric``, and never emits a floating-point warning.
"""

from __future__ import annotations

import math

import numpy as np

# Newton steps before a series that has not settled is handed to bisection; a conventional
# investment series converges in well under ten.
NEWTON_MAX_ITERATIONS = 50
# Relative step size at which Newton counts as converged.
NEWTON_TOLERANCE = 1e-13
# Bisection brackets x = log(1 + IRR) in [LOWEST_LOG_RATE, HIGHEST_LOG_RATE]: every rate a float
# holds, from -100% (1 + r underflows to 0 below about -745) up to e^709 = 8e307 per period.
LOWEST_LOG_RATE = -10_000.0
HIGHEST_LOG_RATE = 709.0
# 100 halvings shrink the bracket far below float resolution.
BISECTION_ITERATIONS = 100
# A root is accepted when |log(PV in / PV out)| is this small: |NPV| below about 1e-9 of the
# present value of the flows.
RESIDUAL_TOLERANCE = 1e-9


def float_array(values: object, name: str) -> np.ndarray:
    """A float array, or TypeError naming the argument."""
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numbers (an array, list or Series)") from None


def sign_changes(flows: np.ndarray) -> np.ndarray:
    """Sign changes per row of a 2-D array, zeros skipped (Descartes' bound on the IRR count)."""
    signs = np.sign(flows)
    index = np.where(signs != 0, np.arange(flows.shape[1]), 0)
    # Carry the last non-zero sign forward over zeros; leading zeros stay 0 and count nothing.
    filled = np.take_along_axis(signs, np.maximum.accumulate(index, axis=1), axis=1)
    changes: np.ndarray = np.count_nonzero(filled[:, 1:] * filled[:, :-1] < 0, axis=1)
    return changes


def _log_pv(log_weights: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(sum of e^w) per row and the e^w-weighted mean time, without overflow."""
    top = log_weights.max(axis=1, keepdims=True)
    scaled = np.exp(log_weights - top)
    total = scaled.sum(axis=1)
    return top[:, 0] + np.log(total), (scaled * times).sum(axis=1) / total


def _log_ratio(
    flows: np.ndarray, log_abs: np.ndarray, times: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """h = log(PV of inflows) - log(PV of outflows) at x = log(1 + r), and dh/dx.

    h is zero exactly where NPV is, but grows about linearly in x where NPV grows exponentially,
    so Newton on h needs a handful of steps from anywhere instead of crawling back from an
    overshoot; and in logs nothing overflows, whatever the rate or the horizon.
    """
    log_weights = log_abs - x[:, None] * times  # log|0| = -inf: zero flows drop out
    log_in, time_in = _log_pv(np.where(flows > 0, log_weights, -np.inf), times)
    log_out, time_out = _log_pv(np.where(flows < 0, log_weights, -np.inf), times)
    return log_in - log_out, time_out - time_in


def _newton(flows: np.ndarray, times: np.ndarray, start: np.ndarray | float = 0.1) -> np.ndarray:
    """Newton on h(x) for every row at once; NaN for rows that did not settle."""
    x = np.array(np.broadcast_to(np.log1p(start), flows.shape[:1]), dtype=float)
    done = np.zeros(flows.shape[0], dtype=bool)
    with np.errstate(all="ignore"):
        log_abs = np.log(np.abs(flows))
        for _ in range(NEWTON_MAX_ITERATIONS):
            active = ~done & np.isfinite(x)
            if not active.any():
                break
            value, slope = _log_ratio(flows[active], log_abs[active], times[active], x[active])
            step = value / slope
            x[active] = x[active] - step
            settled = np.abs(step) <= NEWTON_TOLERANCE * np.maximum(1.0, np.abs(x[active]))
            settled &= np.abs(value) <= RESIDUAL_TOLERANCE
            done[np.flatnonzero(active)[settled]] = True
    return np.where(done & (x >= LOWEST_LOG_RATE) & (x <= HIGHEST_LOG_RATE), x, np.nan)


def _bisect(flows: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Bisection on x over every representable rate; NaN where the ends do not bracket a root."""
    low = np.full(flows.shape[0], LOWEST_LOG_RATE)
    high = np.full(flows.shape[0], HIGHEST_LOG_RATE)
    with np.errstate(all="ignore"):
        log_abs = np.log(np.abs(flows))
        low_sign = np.sign(_log_ratio(flows, log_abs, times, low)[0])
        bracketed = low_sign * np.sign(_log_ratio(flows, log_abs, times, high)[0]) < 0
        for _ in range(BISECTION_ITERATIONS):
            middle = 0.5 * (low + high)
            same = np.sign(_log_ratio(flows, log_abs, times, middle)[0]) == low_sign
            low = np.where(same, middle, low)
            high = np.where(same, high, middle)
    return np.where(bracketed, 0.5 * (low + high), np.nan)


def solve_one_root(flows: np.ndarray, times: np.ndarray) -> np.ndarray:
    """IRR per row of series with exactly one sign change (so exactly one root): Newton, then
    bisection for rows Newton could not settle.

    Args:
        flows: 2-D, one series per row, ideally scaled to unit size.
        times: 1-D (shared) or 2-D times of the flows in periods (or years for XIRR).
    """
    times = np.broadcast_to(np.asarray(times, dtype=float), flows.shape)
    x = _newton(flows, times)
    stuck = np.isnan(x)
    if stuck.any():
        x[stuck] = _bisect(flows[stuck], times[stuck])
    with np.errstate(all="ignore"):
        rates: np.ndarray = np.expm1(x)
    return rates


def polish(flows: list[float], times: list[float], rate: float) -> float:
    """A root found to a loose tolerance, refined by Newton from there.

    When Newton does not settle (a double root converges too slowly), ``rate`` is kept if the
    NPV there is negligible against the flows' present value; otherwise ``rate`` was no root and
    the answer is NaN.
    """
    row, when = np.array([flows], dtype=float), np.array([times], dtype=float)
    x = _newton(row, when, start=rate)
    if np.isfinite(x[0]):
        return float(np.expm1(x[0]))
    with np.errstate(all="ignore"):
        value = _log_ratio(row, np.log(np.abs(row)), when, np.log1p(np.array([rate])))[0][0]
    return rate if abs(value) <= RESIDUAL_TOLERANCE else math.nan


def normalised_rows(flows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows scaled to a largest |flow| of 1, and a mask of rows that have an IRR to look for."""
    finite = np.isfinite(flows).all(axis=1)
    scale = np.where(finite, np.abs(np.where(np.isfinite(flows), flows, 0)).max(axis=1), 0.0)
    with np.errstate(all="ignore"):
        scaled = flows / np.where(scale > 0, scale, 1.0)[:, None]
    solvable = finite & (scaled > 0).any(axis=1) & (scaled < 0).any(axis=1)
    return scaled, solvable
