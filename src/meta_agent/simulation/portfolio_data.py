"""The portfolio as arrays for the simulation: one entry per property, read once from the database.

T12 NOI, operating expenses, debt service, balances, the latest value and occupancy come from the
same query as ``fetch_portfolio_metrics`` (DOMAIN.md's definitions); T12 gross potential rent
(for vacancy shocks) and the monthly NOI history (for the historical bootstrap) from the monthly
statements, each property's latest 12 months as DOMAIN.md takes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from meta_agent.portfolio.engine import read_only_engine
from meta_agent.portfolio.fetch import frame, text_rows
from meta_agent.portfolio.metrics_sql import T12_MONTHS, metrics_query, metrics_table
from meta_agent.portfolio.property_filter import PropertyFilter
from meta_agent.portfolio.schema import financials, loans
from meta_agent.simulation.scenarios import LoanBook


@dataclass(frozen=True)
class PortfolioArrays:
    """Per-property arrays in ``property_ids`` order, plus the loans and the monthly NOI."""

    property_ids: np.ndarray
    names: np.ndarray
    property_types: np.ndarray
    markets: np.ndarray
    noi: np.ndarray
    gross_potential_rent: np.ndarray
    operating_expenses: np.ndarray
    debt_service: np.ndarray
    loan_balance: np.ndarray
    value: np.ndarray
    occupancy: np.ndarray
    loans: LoanBook
    monthly_noi: np.ndarray  # properties x months, NaN where a property has no statement

    @property
    def size(self) -> int:
        return len(self.property_ids)

    def mask(
        self,
        property_types: list[str] | None,
        markets: list[str] | None,
        property_ids: list[str] | None,
    ) -> np.ndarray:
        """True for the properties a scenario's filters keep (all of them without filters)."""
        from meta_agent.portfolio.property_filter import market_matches, normalize_types

        keep = np.ones(self.size, dtype=bool)
        if property_types is not None:
            keep &= np.isin(self.property_types, normalize_types(property_types) or [])
        if markets is not None:
            keep &= np.array(
                [any(market_matches(m, str(s)) for m in markets) for s in self.markets], dtype=bool
            )
        if property_ids is not None:
            keep &= np.isin(self.property_ids, property_ids)
        return keep


def load_portfolio(database_url: str | None = None) -> PortfolioArrays:
    """Read the portfolio in force (or at ``database_url``) into arrays."""
    engine = read_only_engine(database_url)
    f, ln = financials.c, loans.c
    with engine.connect() as conn:
        metrics = metrics_table(*text_rows(conn, *metrics_query(PropertyFilter())))
        monthly = frame(
            conn,
            sa.select(f.property_id, f.period, f.noi, f.gross_potential_rent).order_by(
                f.property_id, f.period
            ),
        )
        book = frame(
            conn,
            sa.select(
                ln.property_id, ln.original_balance, ln.interest_rate, ln.amortization_months
            ).order_by(ln.loan_id),
        )
    return portfolio_from_frames(metrics, monthly, book)


def portfolio_from_frames(
    metrics: pd.DataFrame, monthly: pd.DataFrame, loan_rows: pd.DataFrame
) -> PortfolioArrays:
    """Arrays from a metrics table, monthly statements and loan rows (also used by tests)."""
    ids = metrics["property_id"].astype(str).to_numpy()
    latest = monthly.sort_values(["property_id", "period"]).groupby("property_id").tail(T12_MONTHS)
    gpr = latest.groupby("property_id")["gross_potential_rent"].sum()
    history = monthly.pivot_table(
        index="property_id", columns="period", values="noi", aggfunc="sum"
    )
    history = history.reindex(pd.Index(ids, name="property_id"))

    def floats(column: str) -> np.ndarray:
        values: np.ndarray = metrics[column].to_numpy(dtype=float)
        return values

    return PortfolioArrays(
        property_ids=ids,
        names=metrics["name"].astype(str).to_numpy(),
        property_types=metrics["property_type"].astype(str).to_numpy(),
        markets=metrics["market"].astype(str).to_numpy(),
        noi=floats("noi"),
        gross_potential_rent=gpr.reindex(ids).to_numpy(dtype=float),
        operating_expenses=floats("operating_expenses"),
        debt_service=floats("debt_service"),
        loan_balance=floats("loan_balance"),
        value=floats("value"),
        occupancy=floats("occupancy"),
        loans=LoanBook.from_frame(loan_rows, list(ids)),
        monthly_noi=history.to_numpy(dtype=float),
    )
