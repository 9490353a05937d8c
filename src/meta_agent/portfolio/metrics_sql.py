"""The query behind ``fetch_portfolio_metrics``, as one SQL text, and the table it makes.

One row per property: the T12 sums, the latest period and occupancy, the loans and the latest
valuation, joined to the properties row (DOMAIN.md's definitions). The text is portable: the same
statement runs on SQLite through the standard library's sqlite3 (``sqlite_direct``) and on
PostgreSQL through SQLAlchemy. It is SQL rather than SQLAlchemy Core because nearly every run
starts with this query, and in a sandbox importing SQLAlchemy and compiling the statement cost
~80 ms, a sixth of use case 1. Values are always bind parameters; the only text spliced in is
``PropertyFilter.sql()``, built from fixed column names and parameter names.

For nearly every property its "latest 12 monthly periods" are the portfolio's latest 12 periods,
so those properties are summed in one pass over the recent rows (``recent``: one index range per
property, no sort). A property without a row in each of them (shorter history, a gap, data ending
early) takes an exact path over its own 12 latest rows instead (the correlated subqueries). Both
are DOMAIN.md's definition. (A ROW_NUMBER window over every month reads the same, but on 100,000
properties it costs SQLite 5-10 s of sorting; this shape stays near 2 s on SQLite and PostgreSQL.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from meta_agent.portfolio.property_filter import PropertyFilter

if TYPE_CHECKING:
    import pandas as pd

T12_MONTHS = 12
EARLIEST = "0001-01-01"  # before any period: the lower bound for a property with < 12 months
METRIC_COLUMNS = (
    "property_id", "name", "property_type", "city", "state", "market", "square_feet", "units",
    "year_built", "latitude", "longitude", "latest_period", "noi", "egi", "operating_expenses",
    "expense_ratio", "debt_service", "loan_balance", "loan_count", "value", "dscr", "cap_rate",
    "ltv", "debt_yield", "occupancy", "has_debt",
)  # fmt: skip


def _own_latest(column: str) -> str:
    """A property's own value of ``column`` in its latest period (the exact path)."""
    return f"""(SELECT own_last.{column} FROM financials AS own_last
            WHERE own_last.property_id = properties.property_id
            ORDER BY own_last.period DESC LIMIT 1)"""


def _own_t12(column: str) -> str:
    """The sum of ``column`` over a property's own 12 latest rows (the exact path)."""
    return f"""(SELECT sum(own_t12.{column}) FROM financials AS own_t12
            WHERE own_t12.property_id = properties.property_id
              AND own_t12.period >= coalesce(
                (SELECT own.period FROM financials AS own
                 WHERE own.property_id = properties.property_id
                 ORDER BY own.period DESC LIMIT 1 OFFSET {T12_MONTHS - 1}),
                '{EARLIEST}'))"""


ALIGNED = "recent.months = (SELECT months FROM t12_bounds)"

METRICS_SQL = f"""
WITH latest_periods AS (
    SELECT DISTINCT financials.period AS period FROM financials
    ORDER BY financials.period DESC LIMIT {T12_MONTHS}
),
t12_bounds AS (
    SELECT min(period) AS first_period, max(period) AS last_period, count(*) AS months
    FROM latest_periods
),
recent AS (
    SELECT financials.property_id AS property_id,
           count(*) AS months,
           sum(financials.noi) AS noi,
           sum(financials.effective_gross_income) AS egi,
           sum(financials.operating_expenses) AS operating_expenses,
           max(CASE WHEN financials.period = (SELECT last_period FROM t12_bounds)
                    THEN financials.occupancy END) AS occupancy
    FROM financials
    WHERE financials.period >= (SELECT first_period FROM t12_bounds){{in_scope}}
    GROUP BY financials.property_id
),
debt AS (
    SELECT loans.property_id AS property_id,
           sum(loans.annual_debt_service) AS debt_service,
           sum(loans.current_balance) AS loan_balance,
           count(*) AS loan_count
    FROM loans GROUP BY loans.property_id
)
SELECT properties.property_id, properties.name, properties.property_type, properties.city,
       properties.state, properties.market, properties.square_feet, properties.units,
       properties.year_built, properties.latitude, properties.longitude,
       CASE WHEN {ALIGNED} THEN (SELECT last_period FROM t12_bounds)
            ELSE {_own_latest("period")} END AS latest_period,
       CASE WHEN {ALIGNED} THEN recent.noi
            ELSE {_own_t12("noi")} END AS noi,
       CASE WHEN {ALIGNED} THEN recent.egi
            ELSE {_own_t12("effective_gross_income")} END AS egi,
       CASE WHEN {ALIGNED} THEN recent.operating_expenses
            ELSE {_own_t12("operating_expenses")} END AS operating_expenses,
       coalesce(debt.debt_service, 0.0) AS debt_service,
       coalesce(debt.loan_balance, 0.0) AS loan_balance,
       coalesce(debt.loan_count, 0) AS loan_count,
       (SELECT valuations.value FROM valuations
        WHERE valuations.property_id = properties.property_id
        ORDER BY valuations.valuation_date DESC LIMIT 1) AS value,
       CASE WHEN {ALIGNED} THEN recent.occupancy
            ELSE {_own_latest("occupancy")} END AS occupancy
FROM properties
LEFT OUTER JOIN recent ON recent.property_id = properties.property_id
LEFT OUTER JOIN debt ON debt.property_id = properties.property_id{{where}}
ORDER BY properties.property_id
"""


def metrics_query(selection: PropertyFilter) -> tuple[str, dict[str, Any]]:
    """The metrics statement for these properties, and its parameters (:name style)."""
    found = selection.sql()
    if found is None:
        return METRICS_SQL.format(in_scope="", where=""), {}
    condition, params = found
    in_scope = (
        "\n      AND financials.property_id IN "
        f"(SELECT properties.property_id FROM properties WHERE {condition})"
    )
    return METRICS_SQL.format(in_scope=in_scope, where=f"\nWHERE {condition}"), params


def metrics_table(columns: Sequence[str], rows: Sequence[Any]) -> pd.DataFrame:
    """The metrics query's rows plus DOMAIN.md's ratios, in ``METRIC_COLUMNS`` order.

    dscr, cap_rate, ltv, debt_yield and expense_ratio are NaN when their denominator is 0 or
    missing (no debt, no valuation, no income); ``has_debt`` is debt service > 0.
    """
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(columns))
    frame["latest_period"] = pd.to_datetime(frame["latest_period"])

    def ratio(numerator: str, denominator: str) -> Any:
        top = frame[numerator].to_numpy(dtype=float)
        bottom = frame[denominator].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(bottom > 0, top / bottom, np.nan)

    for column in ("noi", "egi", "operating_expenses", "debt_service", "loan_balance", "value"):
        frame[column] = frame[column].astype("float64")
    frame["occupancy"] = frame["occupancy"].astype("float64")
    frame["loan_count"] = frame["loan_count"].astype("int64")
    frame["units"] = frame["units"].astype("Int64")
    frame["expense_ratio"] = ratio("operating_expenses", "egi")
    frame["dscr"] = ratio("noi", "debt_service")
    frame["cap_rate"] = ratio("noi", "value")
    frame["ltv"] = ratio("loan_balance", "value")
    frame["debt_yield"] = ratio("noi", "loan_balance")
    frame["has_debt"] = frame["debt_service"].to_numpy() > 0
    return frame.loc[:, list(METRIC_COLUMNS)]
