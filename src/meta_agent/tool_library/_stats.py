"""Series arithmetic behind the trend and outlier tools: changes, monthly totals, slopes, scores.

Imported by the analysis tools when they are called, so it may import pandas at module level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from meta_agent.errors import ToolError

# Columns that are ratios: rows sharing a period are averaged for these, summed otherwise.
RATIO_COLUMNS = frozenset({"occupancy", "dscr", "cap_rate", "ltv", "debt_yield", "expense_ratio"})


def relative_change(current: pd.Series, base: pd.Series) -> pd.Series:
    """(current - base) / |base|: the sign says up or down even from a negative base."""
    base = base.where(base != 0)
    return (current - base) / np.abs(base)


def monthly_values(frame: pd.DataFrame, value_column: str, period_column: str) -> pd.Series:
    """The column per calendar month, oldest first; rows sharing a month summed (ratios averaged)."""
    try:
        periods = pd.to_datetime(frame[period_column]).dt.to_period("M").dt.to_timestamp()
    except (TypeError, ValueError):
        raise ToolError(f"{period_column!r} does not hold dates (e.g. 2025-12-01).") from None
    values = pd.to_numeric(frame[value_column], errors="coerce")
    if values.notna().sum() == 0:
        raise ToolError(f"{value_column!r} holds no numbers to follow over time.")
    grouped = values.groupby(periods)
    monthly = grouped.mean() if value_column in RATIO_COLUMNS else grouped.sum(min_count=1)
    return monthly.sort_index()


def slope(values: pd.Series) -> float | None:
    """Least-squares slope per calendar month (gaps in the months are respected)."""
    known = values.dropna()
    if len(known) < 2:
        return None
    months = np.array([p.year * 12 + p.month for p in known.index], dtype=float)
    x = months - months.mean()
    return float((x * (known.to_numpy() - known.mean())).sum() / (x * x).sum())


def iqr_scores(values: pd.Series) -> pd.Series:
    """Distance outside [Q1, Q3] in IQRs (0 inside); NaN when the IQR is 0 and the value is out."""
    q1, q3 = values.quantile(0.25), values.quantile(0.75)
    outside = (q1 - values).clip(lower=0) + (values - q3).clip(lower=0)
    if q3 > q1:
        return outside / (q3 - q1)
    return outside.where(outside == 0)


def z_scores(values: pd.Series) -> pd.Series:
    """|value - mean| / sample standard deviation; 0 for a constant column."""
    spread = values.std()
    if not spread > 0:
        return (values - values.mean()).abs() * 0.0
    return (values - values.mean()).abs() / spread
