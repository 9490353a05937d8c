"""Input checks shared by the calculation tools: numbers, cash-flow lists and dates.

Wrong Python types raise TypeError or ValueError; values for which a metric has no meaning (NaN,
a negative balance, a zero value) raise UndefinedMetric with a sentence saying what is accepted.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from numbers import Integral, Real
from typing import Any

from meta_agent.errors import UndefinedMetric


def number(value: Any, name: str) -> float:
    """A finite float from a number, or TypeError / UndefinedMetric saying what was wrong."""
    if isinstance(value, bool) or not isinstance(value, (Real, Decimal)):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    result = float(value)
    if math.isnan(result):
        raise UndefinedMetric(f"{name} is missing (NaN); a finite number is required.")
    if math.isinf(result):
        raise UndefinedMetric(f"{name} is infinite; a finite number is required.")
    return result


def positive(value: Any, name: str, meaning: str) -> float:
    """A number > 0; ``meaning`` names the metric that is undefined otherwise."""
    checked = number(value, name)
    if checked <= 0:
        raise UndefinedMetric(f"{meaning} is undefined when {name} is {checked:g}; it must be > 0.")
    return checked


def non_negative(value: Any, name: str) -> float:
    """A number >= 0."""
    checked = number(value, name)
    if checked < 0:
        raise UndefinedMetric(f"{name} cannot be negative (got {checked:g}).")
    return checked


def whole(value: Any, name: str) -> int:
    """A whole number (an int, or a float such as 360.0 read from a database)."""
    checked = number(value, name)
    if not isinstance(value, Integral) and not checked.is_integer():
        raise ValueError(f"{name} must be a whole number, got {checked:g}")
    return int(checked)


def finite_result(value: float | None, metric: str) -> float:
    """A computed value as a plain float, or UndefinedMetric if it is missing, inf or NaN."""
    if value is None or not math.isfinite(value):
        raise UndefinedMetric(f"{metric} has no finite value for these inputs.")
    return float(value)


def flows(cash_flows: Any, minimum: int) -> list[float]:
    """The cash flows as finite floats, at least ``minimum`` of them."""
    if isinstance(cash_flows, (str, bytes, Mapping)) or not hasattr(cash_flows, "__iter__"):
        raise TypeError(f"cash_flows must be a list of numbers, not {type(cash_flows).__name__}")
    values = [number(v, f"cash_flows[{i}]") for i, v in enumerate(cash_flows)]
    if len(values) < minimum:
        raise UndefinedMetric(f"At least {minimum} cash flow(s) are needed, got {len(values)}.")
    return values


def parse_date(value: Any, index: int) -> dt.date:
    """A date from a date, a datetime (its day), an ISO string or a numpy datetime64."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) or type(value).__name__ == "datetime64":
        try:
            return dt.datetime.fromisoformat(str(value)[:10]).date()
        except ValueError:
            raise ValueError(f"dates[{index}] is not an ISO date: {value!r}") from None
    raise TypeError(f"dates[{index}] must be a date or an ISO date string, not {type(value)}")


def dated(dates: Any, flows: list[float]) -> tuple[list[dt.date], list[float]]:
    """Distinct dates, earliest first (t = 0), each with the net of the flows on that date."""
    if isinstance(dates, (str, bytes)) or not hasattr(dates, "__iter__"):
        raise TypeError("dates must be a list of dates, one per cash flow")
    parsed = [parse_date(d, i) for i, d in enumerate(dates)]
    if len(parsed) != len(flows):
        raise ValueError(f"got {len(flows)} cash flows but {len(parsed)} dates; give one date each")
    net: dict[dt.date, list[float]] = {}
    for day, amount in sorted(zip(parsed, flows, strict=True), key=lambda pair: pair[0]):
        net.setdefault(day, []).append(amount)
    return list(net), [math.fsum(amounts) for amounts in net.values()]


def sign_changes(flows: list[float]) -> int:
    """How often the sign flips along the flows, zeros skipped (at most that many IRRs)."""
    signs = [f > 0 for f in flows if f != 0]
    return sum(a != b for a, b in zip(signs, signs[1:], strict=False))
