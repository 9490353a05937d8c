"""The words of the executive report: the email-ready summary (Markdown) and the PDF's sentences.

Every number is formatted from the key figures by ``style``, so the summary, the PDF and the
workbook say the same thing. The methodology lines restate DOMAIN.md's definitions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from meta_agent.reporting import style
from meta_agent.reporting.definitions import definitions

SUMMARY_MOVERS = 5
SUMMARY_AT_RISK_NAMES = 5


def month_before(as_of: str, months: int) -> str:
    """``December 2024`` for ``as_of='2025-12-01'`` and ``months=12``."""
    day = dt.date.fromisoformat(as_of[:10])
    index = day.year * 12 + day.month - 1 - months
    return style.format_month(dt.date(index // 12, index % 12 + 1, 1))


def noi_sentence(f: Mapping[str, Any]) -> str:
    """Portfolio NOI for the latest month and how it moved."""
    text = (
        f"Portfolio NOI for {f['as_of_month']} was {style.format_currency(f['latest_month_noi'])}"
    )
    parts = []
    if f.get("noi_mom_change_pct") is not None:
        parts.append(
            f"{_direction(f['noi_mom_change_pct'])} from {month_before(f['as_of'], 1)}"
            f" ({style.format_signed_currency(f['noi_mom_change'])})"
        )
    if f.get("noi_yoy_change_pct") is not None:
        parts.append(
            f"{_direction(f['noi_yoy_change_pct'])} from {month_before(f['as_of'], 12)}"
            f" ({style.format_signed_currency(f['noi_yoy_change'])})"
        )
    if parts:
        text += ", " + " and ".join(parts)
    return (
        text + f". T12 NOI stands at {style.format_currency(f['t12_noi'])} across "
        f"{f['property_count']:,} properties, and occupancy weighted by square feet is "
        f"{style.format_percent(f['occupancy'])}."
    )


def coverage_sentence(f: Mapping[str, Any]) -> str:
    """How many properties are at risk, and the aggregate DSCR."""
    threshold = f["threshold"]
    text = (
        f"{f['at_risk_count']:,} of {f['properties_with_debt']:,} properties with debt have a "
        f"DSCR below {threshold:.2f}x"
    )
    if f.get("portfolio_dscr") is not None:
        text += (
            f" (portfolio DSCR {style.format_ratio(f['portfolio_dscr'])}, median "
            f"{style.format_ratio(f['median_dscr'])})"
        )
    text += f"; {f['properties_without_debt']:,} properties carry no debt."
    return text


def highlights(f: Mapping[str, Any]) -> list[str]:
    """The bullet points that open the PDF and fill the email."""
    items = [noi_sentence(f), coverage_sentence(f)]
    largest_type = (f.get("by_property_type") or [None])[0]
    if largest_type:
        items.append(
            f"{_title(largest_type['property_type'])} is the largest property type with "
            f"{style.format_currency(largest_type['noi'])} of T12 NOI "
            f"({style.format_percent(largest_type['noi_share'])} of the portfolio)."
        )
    movers = f.get("movers") or []
    if movers:
        top = movers[0]
        items.append(
            f"The largest mover is {top['name']}: NOI {style.format_signed_currency(top['noi_change'])}"
            f" ({style.format_percent(top['noi_change_pct'], signed=True)}) against "
            f"{month_before(f['as_of'], 12)}."
        )
    return items


def methodology(f: Mapping[str, Any]) -> list[str]:
    """Definitions used in the report (DOMAIN.md and the report's own aggregates)."""
    shown = ("noi", "occupancy", "dscr", "at_risk", "cap_rate", "ltv", "debt_yield")
    return [
        f"Data as of {f['as_of_month']}, the latest monthly period in the portfolio database.",
        "Portfolio NOI of a month is the sum of the properties' NOI for that month. Month over "
        "month compares the previous calendar month, year over year the same month a year "
        "earlier; the portfolio T12 NOI is the sum of the properties' T12 NOI.",
        *definitions(shown, f["threshold"]),
        "Portfolio, property type and market occupancy weight each property by its square feet.",
        "Aggregate DSCR of a group is the T12 NOI of its properties with debt divided by their "
        "annual debt service.",
        f["movers_definition"],
        "Figures are shown rounded (dollars, one decimal for percentages, two for ratios); the "
        "workbook holds the unrounded values.",
    ]


def email_summary(f: Mapping[str, Any], attachments: Sequence[str] = ()) -> str:
    """A few paragraphs and bullets a person can paste into an email (Markdown)."""
    threshold = f["threshold"]
    lines = [
        f"Subject: Portfolio performance, {f['as_of_month']}",
        "",
        "Hello all,",
        "",
        noi_sentence(f),
        "",
        coverage_sentence(f) + _weakest(f),
        "",
        "**Key figures**",
        "",
        f"- NOI, {f['as_of_month']}: {style.format_currency(f['latest_month_noi'])}"
        f" (month over month {style.format_percent(f['noi_mom_change_pct'], signed=True)},"
        f" year over year {style.format_percent(f['noi_yoy_change_pct'], signed=True)})",
        f"- T12 NOI: {style.format_currency(f['t12_noi'])}",
        f"- Occupancy (weighted by square feet): {style.format_percent(f['occupancy'])}",
        f"- Properties at risk (DSCR below {threshold:.2f}x): {f['at_risk_count']:,} of "
        f"{f['properties_with_debt']:,} with debt",
        f"- Portfolio DSCR: {style.format_ratio(f['portfolio_dscr'])}",
    ]
    by_type = f.get("by_property_type") or []
    if by_type:
        lines += ["", "**T12 NOI by property type**", ""]
        lines += [
            f"- {_title(row['property_type'])}: {style.format_currency(row['noi'])} "
            f"({style.format_percent(row['noi_share'])}), {row['at_risk_count']:,} at risk"
            for row in by_type
        ]
    movers = (f.get("movers") or [])[:SUMMARY_MOVERS]
    if movers:
        lines += [
            "",
            f"**Largest movers ({f['as_of_month']} against {month_before(f['as_of'], 12)})**",
            "",
        ]
        lines += [
            f"- {row['name']}: {style.format_signed_currency(row['noi_change'])} "
            f"({style.format_percent(row['noi_change_pct'], signed=True)})"
            for row in movers
        ]
    if attachments:
        lines += [
            "",
            "Attached: " + ", ".join(attachments) + ". The PDF is the full report; "
            "the workbook holds the data behind every figure.",
        ]
    return "\n".join(lines) + "\n"


def _weakest(f: Mapping[str, Any]) -> str:
    rows = [r for r in f.get("weakest") or [] if r.get("name")][:SUMMARY_AT_RISK_NAMES]
    if not rows:
        return ""
    names = ", ".join(f"{r['name']} ({style.format_ratio(r['dscr'])})" for r in rows)
    return f" The weakest: {names}."


def _direction(change: float) -> str:
    if change > 0:
        return f"up {style.format_percent(change)}"
    if change < 0:
        return f"down {style.format_percent(-change)}"
    return "unchanged"


def _title(text: Any) -> str:
    return str(text).replace("_", " ").capitalize()
