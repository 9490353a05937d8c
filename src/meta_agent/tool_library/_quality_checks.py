"""The data quality checks behind ``check_data_quality``: each returns one dict per issue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

Issue = dict[str, Any]
# Sums of cents in float arithmetic drift by ~1e-9 of their size; never call that a mismatch.
FLOAT_NOISE = 1e-9
FREQUENCY_WORDS = {1: "monthly", 3: "quarterly", 12: "annual"}


def run_checks(data: pd.DataFrame, settings: dict[str, Any]) -> list[Issue]:
    """Every issue the selected checks find, check by check, in row order within a check."""
    frame = data.reset_index(drop=True)
    labels = list(data.index)
    ids = frame["property_id"] if "property_id" in frame.columns else None
    periods = frame["period"] if "period" in frame.columns else None

    def issue(check: str, column: str | None, row: int | None, detail: str) -> Issue:
        return {
            "check": check,
            "column": column,
            "property_id": None if ids is None or row is None else _scalar(ids.iat[row]),
            "period": None if periods is None or row is None else _as_date(periods.iat[row]),
            "detail": detail if row is None else f"{detail} (row {labels[row]})",
        }

    checks: dict[str, Callable[[], list[Issue]]] = {
        "nulls": lambda: _nulls(frame, settings["not_null"], issue),
        "ranges": lambda: _ranges(frame, settings["ranges"], issue),
        "duplicates": lambda: _duplicates(frame, settings["keys"], labels, issue),
        "gaps": lambda: _gaps(frame, settings["keys"]),
        "noi_identity": lambda: _identity(
            frame, "noi_identity", settings["tolerance"], issue,
            "noi", [(+1, _egi_column(frame)), (-1, "operating_expenses")],
        ),
        "egi_identity": lambda: _identity(
            frame, "egi_identity", settings["tolerance"], issue, "effective_gross_income",
            [(+1, "gross_potential_rent"), (-1, "vacancy_loss"), (+1, "other_income")],
        ),
    }  # fmt: skip
    issues: list[Issue] = []
    for name in settings["checks"]:
        issues += checks[name]()
    return issues


def _nulls(frame: pd.DataFrame, columns: list[str], issue: Callable[..., Issue]) -> list[Issue]:
    import numpy as np

    found = []
    for column in columns:
        for row in np.flatnonzero(frame[column].isna().to_numpy()):
            found.append(issue("nulls", column, int(row), f"{column} is empty"))
    return found


def _ranges(
    frame: pd.DataFrame,
    ranges: dict[str, tuple[float | None, float | None]],
    issue: Callable[..., Issue],
) -> list[Issue]:
    import numpy as np
    import pandas as pd

    found = []
    for column, (low, high) in ranges.items():
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        outside = np.zeros(len(values), dtype=bool)
        if low is not None:
            outside |= values < float(low)
        if high is not None:
            outside |= values > float(high)
        allowed = f"{low}..{high}" if high is not None else f">= {low}"
        for row in np.flatnonzero(outside):
            detail = f"{column} {float(values[row])!r} is outside the allowed range {allowed}"
            found.append(issue("ranges", column, int(row), detail))
    return found


def _duplicates(
    frame: pd.DataFrame, keys: list[str], labels: list[Any], issue: Callable[..., Issue]
) -> list[Issue]:
    import numpy as np

    if not keys:
        return []
    first = frame.groupby(keys, dropna=False, sort=False).cumcount()
    group_first = (
        frame.assign(_row=np.arange(len(frame)))
        .groupby(keys, dropna=False)["_row"]
        .transform("min")
    )
    found = []
    for row in np.flatnonzero((first > 0).to_numpy()):
        shown = ", ".join(f"{k}={_scalar(frame[k].iat[row])}" for k in keys)
        detail = f"duplicate of row {labels[int(group_first.iat[row])]} for {shown}"
        found.append(issue("duplicates", ",".join(keys), int(row), detail))
    return found


def _gaps(frame: pd.DataFrame, keys: list[str]) -> list[Issue]:
    """Missing periods inside each series (keys other than period), at the data's own frequency."""
    import pandas as pd

    series_keys = [k for k in keys if k != "period"]
    if "period" not in keys or not series_keys or frame.empty:
        return []
    stamps = pd.to_datetime(frame["period"], errors="coerce")
    months = pd.DataFrame({k: frame[k] for k in series_keys})
    months["_month"] = stamps.dt.year * 12 + stamps.dt.month - 1
    months = months.dropna().drop_duplicates().sort_values([*series_keys, "_month"])
    months["_step"] = months.groupby(series_keys, sort=False)["_month"].diff()
    steps = months["_step"].dropna()
    steps = steps[steps > 0]
    if steps.empty:
        return []
    step = int(steps.mode().min())
    word = FREQUENCY_WORDS.get(step, f"{step}-month")
    gaps = months[months["_step"] > step]
    found = []
    for values, current, jump in zip(
        gaps[series_keys].to_numpy(dtype=object),
        gaps["_month"].to_numpy(dtype=int),
        gaps["_step"].to_numpy(dtype=int),
        strict=True,
    ):
        where = {k: _scalar(v) for k, v in zip(series_keys, values, strict=True)}
        shown = ", ".join(f"{k}={v}" for k, v in where.items())
        previous = int(current - jump)
        for missing in range(previous + step, int(current), step):
            period = dt.date(missing // 12, missing % 12 + 1, 1)
            detail = (
                f"no {word} row for {period:%Y-%m} between {_month(previous)} and "
                f"{_month(int(current))} for {shown}"
            )
            found.append(
                {
                    "check": "gaps",
                    "column": "period",
                    "property_id": where.get("property_id"),
                    "period": period,
                    "detail": detail,
                }
            )
    return found


def _identity(
    frame: pd.DataFrame,
    check: str,
    tolerance: float,
    issue: Callable[..., Issue],
    total: str,
    parts: list[tuple[int, str | None]],
) -> list[Issue]:
    import numpy as np
    import pandas as pd

    names = [name for _, name in parts]
    if total not in frame.columns or any(n is None or n not in frame.columns for n in names):
        return []
    expected = np.zeros(len(frame))
    for sign, name in parts:
        expected += sign * pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    actual = pd.to_numeric(frame[total], errors="coerce").to_numpy(dtype=float)
    difference = actual - expected
    with np.errstate(invalid="ignore"):
        off = np.abs(difference) > tolerance + FLOAT_NOISE * np.abs(expected)
    formula = " ".join(f"{'+' if s > 0 else '-'} {n}" for s, n in parts).removeprefix("+ ")
    found = []
    for row in np.flatnonzero(off):
        detail = (
            f"{total} {actual[row]:.2f} != {formula} = {expected[row]:.2f} "
            f"(off by {difference[row]:.2f})"
        )
        found.append(issue(check, total, int(row), detail))
    return found


def _egi_column(frame: pd.DataFrame) -> str | None:
    for name in ("effective_gross_income", "egi"):
        if name in frame.columns:
            return name
    return None


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _scalar(value: Any) -> Any:
    """A plain Python value (numpy scalars unwrapped), None for missing."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _as_date(value: Any) -> Any:
    import pandas as pd

    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        return value
