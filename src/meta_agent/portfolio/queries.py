"""SQLAlchemy Core queries behind the database tools; each runs unchanged on SQLite and PostgreSQL.

Filter values are always bind parameters. ``portfolio_metrics_query`` is the one statement behind
``fetch_portfolio_metrics``: per property the latest 12 months (a ROW_NUMBER window), the latest
occupancy, the latest valuation and the loans, joined to the properties row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from meta_agent.errors import ToolError
from meta_agent.portfolio.reference import US_STATES
from meta_agent.portfolio.schema import PROPERTY_TYPES, financials, loans, properties, valuations

T12_MONTHS = 12
EARLIEST = dt.date(1, 1, 1)  # before any period: the lower bound for a property with < 12 months
# Spellings people use for property types.
TYPE_ALIASES = {
    "apartment": "multifamily", "apartments": "multifamily", "multi_family": "multifamily",
    "mf": "multifamily", "mixed": "mixed_use", "mixeduse": "mixed_use", "shopping": "retail",
    "warehouse": "industrial", "logistics": "industrial", "hotels": "hotel",
    "hospitality": "hotel", "offices": "office",
}  # fmt: skip


@dataclass(frozen=True)
class PropertyFilter:
    """Which properties a query covers; every given list narrows the set (None: no narrowing)."""

    property_ids: list[str] | None = None
    property_types: list[str] | None = None
    markets: list[str] | None = None
    states: list[str] | None = None
    cities: list[str] | None = None

    @classmethod
    def build(
        cls,
        property_ids: list[str] | None = None,
        property_types: list[str] | None = None,
        markets: list[str] | None = None,
        states: list[str] | None = None,
        cities: list[str] | None = None,
    ) -> PropertyFilter:
        """A filter from tool arguments: types and states normalised, ToolError on unknown types."""
        return cls(
            property_ids=_strings("property_ids", property_ids),
            property_types=normalize_types(property_types),
            markets=_strings("markets", markets),
            states=normalize_states(states),
            cities=_strings("cities", cities),
        )

    def condition(self) -> sa.ColumnElement[bool] | None:
        """The WHERE condition on ``properties``, or None when nothing is filtered."""
        p = properties.c
        parts: list[sa.ColumnElement[bool]] = []
        if self.property_ids is not None:
            parts.append(p.property_id.in_(self.property_ids))
        if self.property_types is not None:
            parts.append(p.property_type.in_(self.property_types))
        if self.markets is not None:
            parts.append(sa.or_(sa.false(), *(_market_matches(m) for m in self.markets)))
        if self.states is not None:
            parts.append(sa.func.upper(p.state).in_(self.states))
        if self.cities is not None:
            parts.append(sa.func.lower(p.city).in_([c.strip().lower() for c in self.cities]))
        return sa.and_(*parts) if parts else None


def normalize_types(values: list[str] | None) -> list[str] | None:
    """Property types in their stored spelling; ToolError naming the valid ones otherwise."""
    if values is None:
        return None
    result = []
    for value in _strings("property_types", values) or []:
        key = re.sub(r"[\s\-]+", "_", value.strip().lower())
        key = TYPE_ALIASES.get(key, TYPE_ALIASES.get(key.replace("_", ""), key))
        if key not in PROPERTY_TYPES and key.endswith("s") and key[:-1] in PROPERTY_TYPES:
            key = key[:-1]
        if key not in PROPERTY_TYPES:
            raise ToolError(
                f"Unknown property type {value!r}; valid types are: {', '.join(PROPERTY_TYPES)}."
            )
        result.append(key)
    return result


def normalize_states(values: list[str] | None) -> list[str] | None:
    """Two-letter state codes from codes or names ("Texas" -> "TX")."""
    if values is None:
        return None
    return [
        US_STATES.get(v.strip().lower(), v.strip().upper())
        for v in _strings("states", values) or []
    ]


def market_matches(requested: str, market: str) -> bool:
    """Whether a requested market ("Orlando" or "Orlando, FL") names a stored market."""
    wanted, stored = _market_key(requested), market.lower()
    return stored == wanted or ("," not in wanted and stored.startswith(wanted + ", "))


def portfolio_metrics_query(where: sa.ColumnElement[bool] | None = None) -> sa.Select[Any]:
    """One row per property: T12 sums, latest period and occupancy, loans, latest valuation.

    For nearly every property its "latest 12 monthly periods" are the portfolio's latest 12
    periods, so those properties are summed in one pass over the recent rows (``recent``: one
    index range per property, no sort). A property without a row in each of them (shorter
    history, a gap, data ending early) takes an exact path over its own 12 latest rows instead.
    Both are DOMAIN.md's definition. (A ROW_NUMBER window over every month reads the same, but on
    100,000 properties it costs SQLite 5-10 s of sorting; this shape stays near 2 s on SQLite and
    PostgreSQL alike.)
    """
    p, f, ln, v = properties.c, financials.c, loans.c, valuations.c
    periods = sa.select(f.period).distinct().order_by(f.period.desc()).limit(T12_MONTHS)
    latest = periods.cte("latest_periods")
    bounds = sa.select(
        sa.func.min(latest.c.period).label("first_period"),
        sa.func.max(latest.c.period).label("last_period"),
        sa.func.count().label("months"),
    ).cte("t12_bounds")
    first_period = sa.select(bounds.c.first_period).scalar_subquery()
    last_period = sa.select(bounds.c.last_period).scalar_subquery()
    window_months = sa.select(bounds.c.months).scalar_subquery()

    recent_rows = (
        sa.select(
            f.property_id,
            sa.func.count().label("months"),
            sa.func.sum(f.noi).label("noi"),
            sa.func.sum(f.effective_gross_income).label("egi"),
            sa.func.sum(f.operating_expenses).label("operating_expenses"),
            sa.func.max(sa.case((f.period == last_period, f.occupancy))).label("occupancy"),
        )
        .where(f.period >= first_period)
        .group_by(f.property_id)
    )
    if where is not None:
        recent_rows = recent_rows.where(f.property_id.in_(sa.select(p.property_id).where(where)))
    recent = recent_rows.cte("recent")
    aligned = recent.c.months == window_months

    debt = (
        sa.select(
            ln.property_id,
            sa.func.sum(ln.annual_debt_service).label("debt_service"),
            sa.func.sum(ln.current_balance).label("loan_balance"),
            sa.func.count().label("loan_count"),
        )
        .group_by(ln.property_id)
        .cte("debt")
    )
    latest_value = (
        sa.select(v.value)
        .where(v.property_id == p.property_id)
        .order_by(v.valuation_date.desc())
        .limit(1)
        .scalar_subquery()
    )
    own = _own_latest_months(p.property_id)
    query = (
        sa.select(
            p.property_id,
            p.name,
            p.property_type,
            p.city,
            p.state,
            p.market,
            p.square_feet,
            p.units,
            p.year_built,
            p.latitude,
            p.longitude,
            sa.case((aligned, last_period), else_=own["latest_period"]).label("latest_period"),
            sa.case((aligned, recent.c.noi), else_=own["noi"]).label("noi"),
            sa.case((aligned, recent.c.egi), else_=own["egi"]).label("egi"),
            sa.case((aligned, recent.c.operating_expenses), else_=own["operating_expenses"]).label(
                "operating_expenses"
            ),
            sa.func.coalesce(debt.c.debt_service, 0.0).label("debt_service"),
            sa.func.coalesce(debt.c.loan_balance, 0.0).label("loan_balance"),
            sa.func.coalesce(debt.c.loan_count, 0).label("loan_count"),
            latest_value.label("value"),
            sa.case((aligned, recent.c.occupancy), else_=own["occupancy"]).label("occupancy"),
        )  # fmt: skip
        .select_from(
            properties.outerjoin(recent, recent.c.property_id == p.property_id).outerjoin(
                debt, debt.c.property_id == p.property_id
            )
        )
        .order_by(p.property_id)
    )
    return query if where is None else query.where(where)


def _own_latest_months(property_id: sa.ColumnElement[str]) -> dict[str, sa.ScalarSelect[Any]]:
    """Correlated subqueries over one property's own 12 latest rows (the exact, slower path)."""
    own = financials.alias("own")
    start = (
        sa.select(own.c.period)
        .where(own.c.property_id == property_id)
        .order_by(own.c.period.desc())
        .limit(1)
        .offset(T12_MONTHS - 1)
        .correlate(properties)
        .scalar_subquery()
    )
    rows = financials.alias("own_t12")
    in_window = sa.and_(
        rows.c.property_id == property_id,
        rows.c.period >= sa.func.coalesce(start, sa.literal(EARLIEST, sa.Date)),
    )

    def total(column: str) -> sa.ScalarSelect[Any]:
        return (
            sa.select(sa.func.sum(rows.c[column]))
            .where(in_window)
            .correlate(properties)
            .scalar_subquery()
        )

    last = financials.alias("own_last")
    newest = sa.select(last.c.period, last.c.occupancy).where(last.c.property_id == property_id)
    newest = newest.order_by(last.c.period.desc()).limit(1).correlate(properties)
    return {
        "latest_period": newest.with_only_columns(last.c.period).scalar_subquery(),
        "noi": total("noi"),
        "egi": total("effective_gross_income"),
        "operating_expenses": total("operating_expenses"),
        "occupancy": newest.with_only_columns(last.c.occupancy).scalar_subquery(),
    }


def monthly_performance_query(where: sa.ColumnElement[bool] | None = None) -> sa.Select[Any]:
    """Portfolio totals per month, occupancy weighted by square feet."""
    p, f = properties.c, financials.c
    query = (
        sa.select(
            f.period,
            sa.func.sum(f.noi).label("noi"),
            sa.func.sum(f.effective_gross_income).label("effective_gross_income"),
            sa.func.sum(f.operating_expenses).label("operating_expenses"),
            sa.func.sum(f.gross_potential_rent).label("gross_potential_rent"),
            (sa.func.sum(f.occupancy * p.square_feet) / sa.func.sum(p.square_feet)).label(
                "occupancy"
            ),
            sa.func.count().label("property_count"),
        )
        .select_from(financials.join(properties, p.property_id == f.property_id))
        .group_by(f.period)
        .order_by(f.period)
    )
    return query if where is None else query.where(where)


def _market_key(value: str) -> str:
    return re.sub(r"\s*,\s*", ", ", value.strip().lower())


def _market_matches(value: str) -> sa.ColumnElement[bool]:
    market = sa.func.lower(properties.c.market)
    wanted = _market_key(value)
    if "," in wanted:
        return market == wanted
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.or_(market == wanted, market.like(f"{escaped}, %", escape="\\"))


def _strings(name: str, values: Any) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ToolError(f"{name} must be a list of strings, e.g. [{name[:-1]!r}].")
    return list(values)
