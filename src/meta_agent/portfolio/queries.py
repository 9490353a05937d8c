"""SQLAlchemy Core queries behind the database tools; each runs unchanged on SQLite and PostgreSQL.

Filter values are always bind parameters. ``portfolio_metrics_query`` is the one statement behind
``fetch_portfolio_metrics``: per property the latest 12 months (a ROW_NUMBER window), the latest
occupancy, the latest valuation and the loans, joined to the properties row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from meta_agent.errors import ToolError
from meta_agent.portfolio.reference import US_STATES
from meta_agent.portfolio.schema import PROPERTY_TYPES, financials, loans, properties, valuations

T12_MONTHS = 12
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
    return [US_STATES.get(v.strip().lower(), v.strip().upper()) for v in _strings("states", values) or []]


def market_matches(requested: str, market: str) -> bool:
    """Whether a requested market ("Orlando" or "Orlando, FL") names a stored market."""
    wanted, stored = _market_key(requested), market.lower()
    return stored == wanted or ("," not in wanted and stored.startswith(wanted + ", "))


def portfolio_metrics_query(where: sa.ColumnElement[bool] | None = None) -> sa.Select[Any]:
    """One row per property: T12 sums, latest occupancy, loans and latest valuation."""
    p, f, ln, v = properties.c, financials.c, loans.c, valuations.c
    months = sa.select(
        f.property_id,
        f.period,
        f.noi,
        f.effective_gross_income,
        f.operating_expenses,
        f.occupancy,
        sa.func.row_number()
        .over(partition_by=f.property_id, order_by=f.period.desc())
        .label("month_rank"),
    )
    if where is not None:
        months = months.where(f.property_id.in_(sa.select(p.property_id).where(where)))
    ranked = months.cte("ranked")
    r = ranked.c
    t12 = (
        sa.select(
            r.property_id,
            sa.func.max(r.period).label("latest_period"),
            sa.func.sum(r.noi).label("noi"),
            sa.func.sum(r.effective_gross_income).label("egi"),
            sa.func.sum(r.operating_expenses).label("operating_expenses"),
            sa.func.max(sa.case((r.month_rank == 1, r.occupancy))).label("occupancy"),
        )
        .where(r.month_rank <= T12_MONTHS)
        .group_by(r.property_id)
        .cte("t12")
    )
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
    valued = sa.select(
        v.property_id,
        v.value,
        sa.func.row_number()
        .over(partition_by=v.property_id, order_by=v.valuation_date.desc())
        .label("valuation_rank"),
    ).cte("valued")
    query = (
        sa.select(
            p.property_id, p.name, p.property_type, p.city, p.state, p.market, p.square_feet,
            p.units, p.year_built, p.latitude, p.longitude, t12.c.latest_period, t12.c.noi,
            t12.c.egi, t12.c.operating_expenses,
            sa.func.coalesce(debt.c.debt_service, 0.0).label("debt_service"),
            sa.func.coalesce(debt.c.loan_balance, 0.0).label("loan_balance"),
            sa.func.coalesce(debt.c.loan_count, 0).label("loan_count"),
            valued.c.value,
            t12.c.occupancy,
        )  # fmt: skip
        .select_from(
            properties.outerjoin(t12, t12.c.property_id == p.property_id)
            .outerjoin(debt, debt.c.property_id == p.property_id)
            .outerjoin(
                valued,
                sa.and_(valued.c.property_id == p.property_id, valued.c.valuation_rank == 1),
            )
        )
        .order_by(p.property_id)
    )
    return query if where is None else query.where(where)


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
