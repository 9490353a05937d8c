"""What each DOMAIN.md column holds, in words a person filling a spreadsheet can follow.

The import reads people's own files and the templates tell them what to write; both work from
this one description: the kind of value (how it is read), its meaning and unit, an example, and
the other names systems export it under.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "money", "number", "integer", "fraction", "date", "month"]


@dataclass(frozen=True)
class ColumnDoc:
    """How to read one column, and how to explain it."""

    kind: Kind
    meaning: str
    example: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


COLUMNS: dict[str, dict[str, ColumnDoc]] = {
    "properties": {
        "property_id": ColumnDoc("text", "a stable id of your choice, unique per property",
                                 "orlando_fashion_square", ("id", "property_code", "asset_id")),
        "name": ColumnDoc("text", "display name", "Orlando Fashion Square",
                          ("property_name", "asset_name")),
        "property_type": ColumnDoc("text", "retail, office, multifamily, industrial, hotel or "
                                   "mixed_use", "retail", ("type", "asset_type")),
        "address": ColumnDoc("text", "street address", "3201 E Colonial Dr", ("street",)),
        "city": ColumnDoc("text", "city", "Orlando"),
        "state": ColumnDoc("text", "two-letter state code", "FL"),
        "zip": ColumnDoc("text", "ZIP code", "32803", ("zip_code", "zipcode", "postal_code")),
        "market": ColumnDoc("text", "metropolitan market, 'City, ST'", "Orlando, FL", ("msa",)),
        "latitude": ColumnDoc("number", "WGS84 degrees", "28.5530", ("lat",)),
        "longitude": ColumnDoc("number", "WGS84 degrees", "-81.3446", ("lon", "lng", "long")),
        "year_built": ColumnDoc("integer", "year of construction", "1973", ("built",)),
        "square_feet": ColumnDoc("integer", "net rentable area, square feet", "1,100,000",
                                 ("sf", "sqft", "sq_ft", "nra", "rentable_square_feet")),
        "units": ColumnDoc("integer", "apartment units or hotel keys; empty otherwise", "",
                           ("unit_count", "keys")),
        "acquisition_date": ColumnDoc("date", "date acquired", "2018-06-15",
                                      ("purchase_date", "acquired")),
        "acquisition_price": ColumnDoc("money", "USD paid", "$98,500,000",
                                       ("purchase_price", "price")),
    },
    "financials": {
        "property_id": ColumnDoc("text", "the property's id, as in properties", "orlando_fashion_square",
                                 ("id", "property_code", "asset_id")),
        "period": ColumnDoc("month", "the month (its first day); one row per property and month, "
                            "no month missing", "2025-01-01", ("month", "date")),
        "gross_potential_rent": ColumnDoc("money", "USD for the month", "$650,000", ("gpr",)),
        "vacancy_loss": ColumnDoc("money", "USD for the month, a positive number", "$48,000",
                                  ("vacancy",)),
        "other_income": ColumnDoc("money", "USD for the month", "$12,500"),
        "effective_gross_income": ColumnDoc("money", "gross_potential_rent - vacancy_loss + "
                                            "other_income", "$614,500", ("egi",)),
        "operating_expenses": ColumnDoc("money", "USD for the month", "$190,000",
                                        ("opex", "total_operating_expenses", "expenses")),
        "noi": ColumnDoc("money", "effective_gross_income - operating_expenses", "$424,500",
                         ("net_operating_income",)),
        "capex": ColumnDoc("money", "capital expenditure, USD for the month", "$15,000",
                           ("capital_expenditure", "capital_expenditures")),
        "occupancy": ColumnDoc("fraction", "physical occupancy, 0 to 1 (or a percentage)", "92.5%",
                               ("occupancy_rate", "physical_occupancy")),
    },
    "loans": {
        "loan_id": ColumnDoc("text", "a unique loan id", "LN000001", ("id", "loan_number")),
        "property_id": ColumnDoc("text", "the property's id, as in properties", "orlando_fashion_square",
                                 ("property_code", "asset_id")),
        "lender": ColumnDoc("text", "lender name", "Wells Fargo", ("bank",)),
        "original_balance": ColumnDoc("money", "USD at origination", "$60,000,000",
                                      ("original_loan_amount", "loan_amount", "original_amount")),
        "current_balance": ColumnDoc("money", "USD outstanding at the end of the data",
                                     "$55,400,000", ("outstanding_balance", "balance", "upb")),
        "interest_rate": ColumnDoc("fraction", "annual rate, as a decimal or a percentage",
                                   "6.5%", ("rate", "note_rate", "coupon")),
        "amortization_months": ColumnDoc("integer", "amortisation term in months; 0 means "
                                         "interest-only", "300", ("amortization", "amort_months")),
        "term_months": ColumnDoc("integer", "loan term in months", "120", ("term",)),
        "origination_date": ColumnDoc("date", "date the loan was made", "2021-03-01",
                                      ("origination", "start_date")),
        "maturity_date": ColumnDoc("date", "date the loan matures", "2031-03-01",
                                   ("maturity",)),
        "annual_debt_service": ColumnDoc("money", "12 level monthly payments, or balance x rate "
                                         "if interest-only (DOMAIN.md); may be left out",
                                         "$4,861,000", ("debt_service",)),
    },
    "valuations": {
        "property_id": ColumnDoc("text", "the property's id, as in properties", "orlando_fashion_square",
                                 ("id", "property_code", "asset_id")),
        "valuation_date": ColumnDoc("date", "date of the valuation", "2025-06-30",
                                    ("date", "as_of_date")),
        "value": ColumnDoc("money", "USD", "$95,000,000", ("appraised_value", "valuation")),
        "method": ColumnDoc("text", "appraisal, broker_opinion or internal", "appraisal"),
    },
    "market_data": {
        "market": ColumnDoc("text", "as in properties.market", "Orlando, FL", ("msa",)),
        "property_type": ColumnDoc("text", "as in properties.property_type", "retail", ("type",)),
        "period": ColumnDoc("date", "first day of the quarter", "2025-04-01", ("quarter", "date")),
        "avg_cap_rate": ColumnDoc("fraction", "average cap rate, decimal or percentage", "6.8%",
                                  ("cap_rate",)),
        "avg_rent_psf": ColumnDoc("number", "USD per square foot per year", "22.80",
                                  ("rent_psf", "avg_rent")),
        "vacancy_rate": ColumnDoc("fraction", "0 to 1, or a percentage", "8.1%", ("vacancy",)),
    },
}  # fmt: skip

# Tables a portfolio can do without, and what their absence turns off.
OPTIONAL_TABLES = {
    "valuations": "cap rate and LTV (no property values)",
    "market_data": "market comparisons (no market benchmarks)",
}
# Columns that may be left out: they are derived (and stated so) or may be empty.
DERIVED_COLUMNS = {
    ("financials", "effective_gross_income"): "computed as gross_potential_rent - vacancy_loss "
    "+ other_income",
    ("financials", "noi"): "computed as effective_gross_income - operating_expenses",
    ("loans", "annual_debt_service"): "computed with DOMAIN.md's formula",
    ("properties", "units"): "left empty",
}


def normalise(header: str) -> str:
    """``"Property ID"`` -> ``property_id``; ``"Sq. Ft."`` -> ``sq_ft``."""
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower()).strip("_")


def resolve_headers(table: str, headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map a file's headers to DOMAIN.md's column names: (header -> column, unknown headers).

    A header matches its column's name or one of its aliases, in any case and spacing; the
    column's own name wins over another column's alias.
    """
    docs = COLUMNS[table]
    by_name = {name: name for name in docs}
    by_alias = {alias: name for name, doc in docs.items() for alias in doc.aliases}
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        key = normalise(header)
        column = by_name.get(key) or by_alias.get(key)
        if column is None:
            unknown.append(header)
        else:
            mapping[header] = column
    return mapping, unknown


def required_columns(table: str) -> list[str]:
    """The columns a file for ``table`` must have."""
    return [c for c in COLUMNS[table] if (table, c) not in DERIVED_COLUMNS]
