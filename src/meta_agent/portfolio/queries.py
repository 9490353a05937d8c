"""SQLAlchemy Core queries behind the database tools; each runs unchanged on SQLite and PostgreSQL.

Filter values are always bind parameters; which properties a filter covers is
``PropertyFilter.condition()`` (property_filter.py). The metrics query, which nearly every run
makes, is SQL text of its own (metrics_sql.py).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from meta_agent.portfolio.schema import financials, properties


def monthly_performance_query(where: sa.TextClause | None = None) -> sa.Select[Any]:
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
