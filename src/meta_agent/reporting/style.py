"""How numbers look in every report: currency, ratios, percentages, labels and the colour palette.

One place decides that T12 NOI reads ``$1,234,567``, DSCR ``1.23x`` and occupancy ``93.4%``, so the
charts, the workbook, the PDF and the email summary never disagree. The kind of a column is read
from its name (DOMAIN.md's names: ``noi``, ``dscr``, ``cap_rate``...), never from its values.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

Kind = Literal[
    "currency",
    "currency_cents",
    "ratio",
    "percent",
    "points",
    "basis_points",
    "integer",
    "year",
    "coordinate",
    "date",
    "number",
]

# Palette: a calm navy for the portfolio, red only for what is at risk.
NAVY = "#1f3b5c"
TEAL = "#2a9d8f"
AMBER = "#e9a23b"
RED = "#c0392b"
GREEN = "#2e7d32"
GREY = "#9ca3af"
LIGHT_GREY = "#e5e7eb"
INK = "#1f2937"
MUTED = "#6b7280"
AT_RISK_FILL = "#fde2e1"
HEADER_FILL = NAVY
SERIES_COLORS = (NAVY, TEAL, AMBER, "#7b6fa8", "#8c564b", GREY)

NOT_AVAILABLE = "n/a"
NO_DEBT = "no debt"

_EXPLICIT_KINDS: dict[str, Kind] = {
    "value": "currency",
    "noi_shock_pct": "points",
    "rate_shock_bp": "basis_points",
    # simulation shocks (the *_pct ones are percent columns, written to sheets as decimals)
    "rate_shift_bp": "basis_points",
    "cap_rate_shift_bp": "basis_points",
    "vacancy_change_pts": "number",
    "at_risk_change": "integer",
    "breach_probability": "percent",
    "draws": "integer",
    "year_built": "year",
    "latitude": "coordinate",
    "longitude": "coordinate",
    "square_feet": "integer",
    "units": "integer",
    "properties": "integer",
    "with_debt": "integer",
    "months": "integer",
    "mom_change": "percent",
    "yoy_change": "percent",
    "latest_mom_change": "percent",
    "latest_yoy_change": "percent",
    "total_growth": "percent",
    "threshold": "ratio",
    "amortization_months": "integer",
    "term_months": "integer",
}
_PERCENT_TOKENS = ("cap_rate", "ltv", "occupancy", "yield", "ratio", "rate", "share", "growth")
_CURRENCY_TOKENS = (
    "noi",
    "income",
    "expense",
    "rent",
    "debt_service",
    "balance",
    "value",
    "price",
    "capex",
    "amount",
    "vacancy_loss",
)
_TWO_DECIMAL_PERCENT_TOKENS = ("cap_rate", "interest_rate", "yield")

_LABELS = {
    "property_id": "Property ID",
    "name": "Property",
    "property_type": "Type",
    "noi": "NOI",
    "egi": "EGI",
    "effective_gross_income": "Effective gross income",
    "gross_potential_rent": "Gross potential rent",
    "dscr": "DSCR",
    "ltv": "LTV",
    "at_risk": "At risk",
    "has_debt": "Has debt",
    "square_feet": "Sq ft",
    "property_count": "Properties",
    "at_risk_count": "At-risk count",
    "at_risk_ids": "At-risk IDs",
    "noi_share": "Share of NOI",
    "aggregate_dscr": "Aggregate DSCR",
}
_ACRONYMS = {
    "noi": "NOI",
    "dscr": "DSCR",
    "ltv": "LTV",
    "t12": "T12",
    "egi": "EGI",
    "mom": "MoM",
    "yoy": "YoY",
    "id": "ID",
    "ids": "IDs",
    "irr": "IRR",
    "npv": "NPV",
    "psf": "PSF",
    "pct": "%",
    "bp": "bp",
}


def column_kind(name: str) -> Kind:
    """The kind of number a column (or figure) named ``name`` holds, read from the name alone."""
    n = str(name).lower()
    if n in _EXPLICIT_KINDS:
        return _EXPLICIT_KINDS[n]
    if "dscr" in n:
        return "ratio"
    if n == "count" or n.endswith("_count") or n.startswith("count_"):
        return "integer"
    if n == "period" or n.endswith(("_period", "_date")):
        return "date"
    if n.endswith(("_pct", "_percent")) or "pct_change" in n:
        return "percent"
    if any(token in n for token in _PERCENT_TOKENS):
        return "percent"
    if "psf" in n:
        return "currency_cents"
    if any(token in n for token in _CURRENCY_TOKENS):
        return "currency"
    return "number"


def percent_digits(name: str) -> int:
    """Decimals shown for a percentage: two for rates and yields (6.25%), one otherwise (93.4%)."""
    n = str(name).lower()
    return 2 if any(token in n for token in _TWO_DECIMAL_PERCENT_TOKENS) else 1


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas.NA."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)  # NaN, NaT and NA are the values not equal to themselves
    except (TypeError, ValueError):
        return False


def format_currency(value: Any, cents: bool = False) -> str:
    """``$1,234,567`` (or ``-$1,234``); ``n/a`` when missing."""
    if is_missing(value):
        return NOT_AVAILABLE
    number = float(value)
    text = f"${abs(number):,.2f}" if cents else f"${abs(number):,.0f}"
    return f"-{text}" if number < 0 and text.strip("$0.,") else text


def format_ratio(value: Any, missing: str = NOT_AVAILABLE) -> str:
    """``1.23x``; ``missing`` when undefined."""
    if is_missing(value):
        return missing
    return f"{float(value):,.2f}x"


def format_percent(value: Any, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 0.934 -> ``93.4%`` (``+3.4%`` when signed)."""
    if is_missing(value):
        return NOT_AVAILABLE
    number = float(value) * 100
    return f"{number:+,.{digits}f}%" if signed else f"{number:,.{digits}f}%"


def format_signed_currency(value: Any) -> str:
    """A change in dollars: ``+$48,210`` or ``-$1,234``."""
    if is_missing(value):
        return NOT_AVAILABLE
    text = format_currency(value)
    return text if text.startswith("-") else f"+{text}"


def format_integer(value: Any) -> str:
    """``12,345``."""
    if is_missing(value):
        return NOT_AVAILABLE
    return f"{round(float(value)):,}"


def format_date(value: Any) -> str:
    """ISO date (``2025-12-01``) for dates and timestamps; text is returned as it is."""
    if is_missing(value):
        return NOT_AVAILABLE
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:10] if _looks_like_iso_datetime(str(value)) else str(value)


def format_month(value: Any) -> str:
    """``December 2025`` for a period."""
    day = to_date(value)
    return day.strftime("%B %Y") if day is not None else NOT_AVAILABLE


def to_date(value: Any) -> dt.date | None:
    """A period (date, datetime, pandas Timestamp or ISO text) as a ``date``; None when missing."""
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def format_value(name: str, value: Any) -> str:
    """A cell or figure formatted by the kind its name implies (DSCR without debt reads ``no debt``)."""
    if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":
        return "Yes" if value else "No"
    kind = column_kind(name)
    if is_missing(value):
        return NO_DEBT if is_property_dscr(name) else NOT_AVAILABLE
    if isinstance(value, str):
        return value.replace("_", " ").capitalize() if name == "property_type" else value
    if kind == "date" or isinstance(value, (dt.date, dt.datetime)):
        return format_date(value)
    if not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        return str(value)
    if kind == "currency":
        return format_currency(value)
    if kind == "currency_cents":
        return format_currency(value, cents=True)
    if kind == "ratio":
        return format_ratio(value)
    if kind == "percent":
        return format_percent(value, percent_digits(name))
    if kind == "points":
        return f"{float(value):g}%"
    if kind == "basis_points":
        return f"{float(value):,.0f} bp"
    if kind == "year":
        return str(round(float(value)))
    if kind == "integer":
        return format_integer(value)
    if kind == "coordinate":
        return f"{float(value):.4f}"
    number = float(value)
    if math.isfinite(number) and number == int(number) and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:,.2f}"


_SHOCK = re.compile(r"(noi|rates?)_(?:(up|down)_)?([+-]?\d+(?:\.\d+)?)(pct|bp)?")


def scenario_label(name: str) -> str:
    """A scenario's name as a person reads it: ``noi_-10pct_rate_+200bp`` and ``noi_down_10``
    read "NOI -10%", "rates +200 bp"; ``base`` is "Base case"; a name someone chose is kept."""
    text = str(name)
    if text == "base":
        return "Base case"
    parts = _SHOCK.findall(text)
    if not parts or _SHOCK.sub("", text).strip("_"):
        return text
    words = []
    for metric, direction, amount, _unit in parts:
        number = float(amount) * (-1 if direction == "down" else 1)
        signed = f"{number:+g}"
        words.append(f"NOI {signed}%" if metric == "noi" else f"rates {signed} bp")
    return ", ".join(words)


def label(name: str) -> str:
    """A column or figure name as a person reads it: ``cap_rate`` -> ``Cap rate``, ``t12_noi`` -> ``T12 NOI``."""
    key = str(name)
    if key in _LABELS:
        return _LABELS[key]
    words = [_ACRONYMS.get(word.lower(), word) for word in key.replace("-", "_").split("_") if word]
    if not words:
        return key
    first = words[0]
    if first not in _ACRONYMS.values():
        words[0] = first[:1].upper() + first[1:]
    return " ".join(words)


def figure_kind(path: tuple[str, ...]) -> Kind:
    """The kind of a nested figure such as ``("metrics", "dscr", "mean")``: the nearest named kind."""
    if path and column_kind(path[-1]) == "integer":
        return "integer"
    for part in reversed(path):
        kind = column_kind(part)
        if kind != "number":
            return kind
    return "number"


def format_figure(path: tuple[str, ...], value: Any) -> str:
    """A flattened figure formatted by :func:`figure_kind`."""
    if isinstance(value, (list, tuple, set)):
        items = [str(item) for item in value]
        shown = ", ".join(items[:20])
        return (
            shown + (f" and {len(items) - 20} more" if len(items) > 20 else "") if items else "none"
        )
    if isinstance(value, (bool, str)) or is_missing(value):
        return format_value(path[-1] if path else "", value)
    kind = figure_kind(path)
    proxy = {"integer": "count", "number": "number"}.get(kind)
    if proxy is None:
        # format by a name of that kind; keep the figure's own name for percent digits
        name = next((p for p in reversed(path) if column_kind(p) == kind), path[-1])
        return format_value(name, value)
    return format_value(proxy, value)


def figure_label(path: tuple[str, ...]) -> str:
    """``("metrics", "noi", "mean")`` -> ``NOI mean`` (a leading group name is dropped)."""
    parts = path[1:] if len(path) > 2 else path
    words = [label(part) for part in parts]
    for i in range(1, len(words)):
        if words[i].split(" ")[0] not in _ACRONYMS.values():
            words[i] = words[i][:1].lower() + words[i][1:]
    return " ".join(words)


def flatten_figures(
    figures: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Walk nested figures (dicts of dicts) into ``(path, value)`` pairs; tables are skipped."""
    for key, value in figures.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping):
            yield from flatten_figures(value, path)
        elif _is_table(value) or (
            isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping)
        ):
            continue
        else:
            yield path, value


def _is_table(value: Any) -> bool:
    return hasattr(value, "columns") and hasattr(value, "iloc")


def is_property_dscr(name: str) -> bool:
    """True for a per-property DSCR column (``dscr``, ``dscr_<scenario>``): missing means no debt."""
    n = str(name).lower()
    return n == "dscr" or n.startswith("dscr_")


def _looks_like_iso_datetime(text: str) -> bool:
    if len(text) < 10 or text[4] != "-" or text[7] != "-":
        return False
    try:
        dt.date.fromisoformat(text[:10])
    except ValueError:
        return False
    return len(text) == 10 or text[10] in " T" and text[11:].strip("0:. ") == ""
