"""The portfolio database: the five tables of DOMAIN.md, plus ``portfolio_meta``, in SQLAlchemy Core.

One ``MetaData`` holds them all, so the generator creates them and the tools query them through
the same objects on SQLite and PostgreSQL. Indexes are the ones the metric queries need:
``financials`` is keyed (and, on SQLite, clustered) by ``(property_id, period)`` and indexed by
``period``, loans are found by property, and valuations by ``(property_id, valuation_date)``.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)

# The allowed values of two columns, re-exported where the tables are.
from meta_agent.portfolio.reference import PROPERTY_TYPES as PROPERTY_TYPES
from meta_agent.portfolio.reference import VALUATION_METHODS as VALUATION_METHODS

# Named constraints, so the bulk loader can drop and re-add them around a PostgreSQL COPY.
metadata = MetaData(
    naming_convention={
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
    }
)

properties = Table(
    "properties",
    metadata,
    Column("property_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("property_type", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("zip", Text, nullable=False),
    Column("market", Text, nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("year_built", Integer, nullable=False),
    Column("square_feet", Integer, nullable=False),
    Column("units", Integer, nullable=True),
    Column("acquisition_date", Date, nullable=False),
    Column("acquisition_price", Float, nullable=False),
    Index(None, "property_type"),
    Index(None, "market"),
    sqlite_with_rowid=False,  # clustered by id: the metric query reads it in id order
)

FINANCIAL_COLUMNS: tuple[str, ...] = (
    "gross_potential_rent",
    "vacancy_loss",
    "other_income",
    "effective_gross_income",
    "operating_expenses",
    "noi",
    "capex",
    "occupancy",
)

financials = Table(
    "financials",
    metadata,
    Column("property_id", Text, ForeignKey("properties.property_id"), nullable=False),
    Column("period", Date, nullable=False),
    *(Column(name, Float, nullable=False) for name in FINANCIAL_COLUMNS),
    PrimaryKeyConstraint("property_id", "period"),
    # The portfolio's latest months are found through this index without reading every row.
    Index(None, "period"),
    # Clustered by the key on SQLite: a property's months sit together, so its latest twelve
    # are read in order instead of gathered from all over the file.
    sqlite_with_rowid=False,
)

loans = Table(
    "loans",
    metadata,
    Column("loan_id", Text, primary_key=True),
    Column("property_id", Text, ForeignKey("properties.property_id"), nullable=False),
    Column("lender", Text, nullable=False),
    Column("original_balance", Float, nullable=False),
    Column("current_balance", Float, nullable=False),
    Column("interest_rate", Float, nullable=False),
    Column("amortization_months", Integer, nullable=False),
    Column("term_months", Integer, nullable=False),
    Column("origination_date", Date, nullable=False),
    Column("maturity_date", Date, nullable=False),
    Column("annual_debt_service", Float, nullable=False),
    # Covers the per-property debt totals, so they are summed without visiting the loan rows.
    Index(None, "property_id", "annual_debt_service", "current_balance"),
)

valuations = Table(
    "valuations",
    metadata,
    Column("property_id", Text, ForeignKey("properties.property_id"), nullable=False),
    Column("valuation_date", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("method", Text, nullable=False),
    PrimaryKeyConstraint("property_id", "valuation_date"),
    sqlite_with_rowid=False,  # a property's latest valuation is one step from its key
)

market_data = Table(
    "market_data",
    metadata,
    Column("market", Text, nullable=False),
    Column("property_type", Text, nullable=False),
    Column("period", Date, nullable=False),
    Column("avg_cap_rate", Float, nullable=False),
    Column("avg_rent_psf", Float, nullable=False),
    Column("vacancy_rate", Float, nullable=False),
    PrimaryKeyConstraint("market", "property_type", "period"),
)

# How the portfolio was made (seed, size, generator version): one key/value row per fact.
portfolio_meta = Table(
    "portfolio_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

PORTFOLIO_TABLES: tuple[str, ...] = (
    "properties",
    "financials",
    "loans",
    "valuations",
    "market_data",
)
TABLES: dict[str, Table] = {table.name: table for table in metadata.sorted_tables}


def column_names(table: str) -> list[str]:
    """The columns of a portfolio table, in schema order (KeyError for an unknown table)."""
    return [column.name for column in TABLES[table].columns]
