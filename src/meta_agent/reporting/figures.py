"""The figures of the monthly executive report, computed from the portfolio tables (DOMAIN.md).

Pure pandas, no files: ``executive_figures`` returns the key figures (plain Python values, ready for
JSON) and the tables behind them. ``executive.py`` turns these into the PDF, workbook and summary.

Definitions beyond DOMAIN.md's per-property metrics, stated in the report's methodology note:

- portfolio NOI of a month: the sum of the properties' NOI for that month (``fetch_monthly_performance``);
  month over month compares it with the previous calendar month, year over year with the same
  month a year earlier; a change is ``latest - earlier`` and its percentage ``change / |earlier|``.
- T12 NOI of the portfolio: the sum of the properties' T12 NOI.
- occupancy of the portfolio: the latest month's occupancy weighted by ``square_feet``.
- aggregate DSCR of a group: the T12 NOI of its properties with debt over their annual debt
  service (a group-level ratio, not an average of ratios).
- largest movers: see ``MOVERS_DEFINITION``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ToolError
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
from meta_agent.reporting import style

if TYPE_CHECKING:
    import pandas as pd

MOVER_COUNT = 5
WEAKEST_COUNT = 5
MOVERS_DEFINITION = (
    "Largest movers are the {count} properties whose NOI for the latest month changed the most "
    "in dollars, up or down, against the same month a year earlier. Comparing the same calendar "
    "month removes seasonality (hotels and retail swing through the year); ranking by dollars "
    "rather than percent keeps small properties with a thin NOI base from crowding out the "
    "changes that move portfolio NOI. Ties are broken by property_id."
)
DSCR_BAND_EDGES = (1.0, 1.5, 2.0)
METRICS_COLUMNS = (
    "property_id",
    "name",
    "property_type",
    "market",
    "square_feet",
    "noi",
    "debt_service",
    "dscr",
    "occupancy",
)
MONTHLY_COLUMNS = ("period", "noi", "occupancy")


def executive_figures(
    metrics: pd.DataFrame,
    monthly: pd.DataFrame,
    threshold: float = DEFAULT_AT_RISK_THRESHOLD,
    property_monthly: pd.DataFrame | None = None,
) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Key figures and the tables behind them; ``monthly`` may be portfolio totals or per property."""
    _require(metrics, METRICS_COLUMNS, "metrics (fetch_portfolio_metrics)")
    if not isinstance(threshold, (int, float)) or not math.isfinite(threshold) or threshold <= 0:
        raise ToolError(
            f"The DSCR threshold must be a positive number such as 1.25; got {threshold!r}."
        )
    if property_monthly is None and "property_id" in monthly.columns:
        property_monthly = monthly
    portfolio = portfolio_monthly(monthly, metrics)
    if portfolio.empty:
        raise ToolError(
            "The monthly performance table is empty; the report needs at least one month."
        )
    properties = flag(metrics, threshold)
    as_of = portfolio["period"].iloc[-1]
    latest = portfolio.iloc[-1]
    prior = _month(portfolio, as_of, 1)
    year_ago = _month(portfolio, as_of, 12)
    with_debt = int(properties["has_debt"].sum())
    leveraged = properties[properties["has_debt"]]
    debt_service = float(leveraged["debt_service"].sum())
    at_risk = properties[properties["at_risk"]].sort_values(
        ["dscr", "property_id"], kind="mergesort"
    )
    dscr_values = leveraged["dscr"].dropna()
    figures: dict[str, Any] = {
        "as_of": as_of.date().isoformat(),
        "as_of_month": style.format_month(as_of),
        "threshold": float(threshold),
        "property_count": len(properties),
        "properties_with_debt": with_debt,
        "properties_without_debt": len(properties) - with_debt,
        "latest_month_noi": _number(latest["noi"]),
        "prior_month_noi": _number(prior["noi"]) if prior is not None else None,
        "noi_mom_change": _change(latest["noi"], prior),
        "noi_mom_change_pct": _change_pct(latest["noi"], prior),
        "year_ago_noi": _number(year_ago["noi"]) if year_ago is not None else None,
        "noi_yoy_change": _change(latest["noi"], year_ago),
        "noi_yoy_change_pct": _change_pct(latest["noi"], year_ago),
        "t12_noi": _number(properties["noi"].sum(min_count=1)),
        "occupancy": weighted_occupancy(properties),
        "total_debt_service": debt_service,
        "portfolio_dscr": (
            _number(leveraged["noi"].sum() / debt_service) if debt_service > 0 else None
        ),
        "median_dscr": _number(dscr_values.median()) if not dscr_values.empty else None,
        "min_dscr": _number(dscr_values.min()) if not dscr_values.empty else None,
        "at_risk_count": len(at_risk),
        "at_risk": at_risk["property_id"].astype(str).tolist(),
        "weakest": _records(at_risk[["property_id", "name", "dscr"]].head(WEAKEST_COUNT)),
    }
    distribution = dscr_distribution(properties, threshold)
    by_type = breakdown(properties, "property_type")
    by_market = breakdown(properties, "market")
    changes = (
        noi_changes(property_monthly, properties, as_of) if property_monthly is not None else None
    )
    movers = changes.head(MOVER_COUNT) if changes is not None else None
    figures["dscr_distribution"] = _records(distribution[["band", "property_count"]])
    figures["by_property_type"] = _records(by_type)
    figures["by_market"] = _records(by_market)
    figures["movers"] = _records(movers) if movers is not None else None
    figures["movers_definition"] = MOVERS_DEFINITION.format(count=MOVER_COUNT)
    tables = {
        "Monthly": with_changes(portfolio),
        "Properties": properties,
        "At Risk": at_risk[[c for c in AT_RISK_COLUMNS if c in at_risk.columns]],
        "DSCR Distribution": distribution,
        "By Property Type": by_type,
        "By Market": by_market,
    }
    if changes is not None and movers is not None:
        tables["Top Movers"] = movers
        tables["NOI Change"] = changes
    return figures, tables


AT_RISK_COLUMNS = (
    "property_id",
    "name",
    "property_type",
    "market",
    "noi",
    "debt_service",
    "dscr",
    "ltv",
    "debt_yield",
    "occupancy",
    "at_risk",
)


def flag(metrics: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The metrics with ``has_debt`` (if missing) and ``at_risk`` per DOMAIN.md, by property_id."""
    frame = metrics.sort_values("property_id", kind="mergesort").reset_index(drop=True)
    if "has_debt" not in frame.columns:
        frame["has_debt"] = frame["debt_service"].fillna(0) > 0
    has_debt = frame["has_debt"].fillna(False).astype(bool)
    frame["has_debt"] = has_debt
    frame["at_risk"] = has_debt & frame["dscr"].notna() & (frame["dscr"] < threshold)
    return frame


def portfolio_monthly(monthly: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Portfolio totals per month, oldest first; per-property rows are summed (occupancy by sq ft)."""
    import pandas as pd

    _require(monthly, MONTHLY_COLUMNS, "monthly (fetch_monthly_performance)")
    frame = monthly.copy()
    frame["period"] = to_month(frame["period"])
    if "property_id" in frame.columns:
        sizes = metrics.set_index("property_id")["square_feet"]
        frame = frame[frame["property_id"].isin(sizes.index)]
        weight = (
            frame["property_id"].map(sizes).astype(float).where(frame["occupancy"].notna(), 0.0)
        )
        frame = frame.assign(_w=weight, _wo=frame["occupancy"].fillna(0) * weight)
        sums = {
            c: (c, "sum")
            for c in ("noi", "effective_gross_income", "operating_expenses", "gross_potential_rent")
            if c in frame.columns
        }
        grouped = frame.groupby("period", sort=True).agg(
            **sums, _wo=("_wo", "sum"), _w=("_w", "sum"), property_count=("property_id", "nunique")
        )
        grouped["occupancy"] = grouped.pop("_wo") / grouped.pop("_w").replace(0.0, float("nan"))
        frame = grouped.reset_index()
    frame = frame.sort_values("period", kind="mergesort").reset_index(drop=True)
    return pd.DataFrame(frame)


def with_changes(portfolio: pd.DataFrame) -> pd.DataFrame:
    """Portfolio months with NOI change month over month and year over year (dollars and %)."""
    frame = portfolio.copy()
    noi = frame.set_index("period")["noi"]
    for label, months in (("mom", 1), ("yoy", 12)):
        earlier = frame["period"].map(lambda p, m=months: noi.get(p - _offset(m)))
        earlier = earlier.astype(float)
        frame[f"noi_{label}_change"] = frame["noi"] - earlier
        frame[f"noi_{label}_change_pct"] = (frame["noi"] - earlier) / earlier.abs().where(
            earlier != 0
        )
    return frame


def weighted_occupancy(properties: pd.DataFrame) -> float | None:
    """The latest month's occupancy weighted by square feet, over properties with both values."""
    known = properties[properties["occupancy"].notna() & properties["square_feet"].notna()]
    weight = known["square_feet"].astype(float)
    if weight.sum() <= 0:
        return None
    return _number((known["occupancy"] * weight).sum() / weight.sum())


def dscr_distribution(properties: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Properties per DSCR band (the threshold is always a band edge), plus the no-debt count."""
    import numpy as np
    import pandas as pd

    edges = sorted({*DSCR_BAND_EDGES, float(threshold)})
    dscr = properties.loc[properties["has_debt"], "dscr"].dropna().to_numpy(dtype=float)
    bounds = (
        [(-math.inf, edges[0])]
        + list(zip(edges, edges[1:], strict=False))
        + [(edges[-1], math.inf)]
    )
    rows = []
    for lower, upper in bounds:
        if math.isinf(lower):
            band = f"Below {upper:.2f}x"
        elif math.isinf(upper):
            band = f"{lower:.2f}x and above"
        else:
            band = f"{lower:.2f}x to {upper:.2f}x"
        count = int(((dscr >= lower) & (dscr < upper)).sum())
        rows.append(
            {
                "band": band,
                "lower_dscr": None if math.isinf(lower) else lower,
                "upper_dscr": None if math.isinf(upper) else upper,
                "property_count": count,
                "at_risk": upper <= threshold,
            }
        )
    no_debt = int((~properties["has_debt"]).sum())
    rows.append(
        {
            "band": "No debt",
            "lower_dscr": None,
            "upper_dscr": None,
            "property_count": no_debt,
            "at_risk": False,
        }
    )
    frame = pd.DataFrame(rows)
    total = max(len(properties), 1)
    frame.insert(4, "share", frame["property_count"] / total)
    frame["lower_dscr"] = frame["lower_dscr"].astype(float)
    frame["upper_dscr"] = frame["upper_dscr"].astype(float)
    frame["property_count"] = frame["property_count"].astype(np.int64)
    return frame


def breakdown(properties: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per ``key`` (property_type, market): count, T12 NOI and share, occupancy, DSCR, at risk."""
    frame = properties.assign(
        _w=properties["square_feet"].astype(float).where(properties["occupancy"].notna(), 0.0),
        _lev_noi=properties["noi"].where(properties["has_debt"], 0.0),
        _ds=properties["debt_service"].where(properties["has_debt"], 0.0),
    )
    frame["_wo"] = frame["occupancy"].fillna(0) * frame["_w"]
    grouped = frame.groupby(key, dropna=False, sort=True).agg(
        property_count=("property_id", "size"),
        noi=("noi", "sum"),
        _wo=("_wo", "sum"),
        _w=("_w", "sum"),
        debt_service=("_ds", "sum"),
        _lev_noi=("_lev_noi", "sum"),
        at_risk_count=("at_risk", "sum"),
    )
    total = float(properties["noi"].sum())
    grouped.insert(2, "noi_share", grouped["noi"] / total if total else float("nan"))
    grouped.insert(3, "occupancy", grouped.pop("_wo") / grouped.pop("_w").replace(0.0, math.nan))
    lev_noi = grouped.pop("_lev_noi")
    grouped["aggregate_dscr"] = lev_noi / grouped["debt_service"].replace(0.0, math.nan)
    grouped = grouped[
        [
            "property_count",
            "noi",
            "noi_share",
            "occupancy",
            "debt_service",
            "aggregate_dscr",
            "at_risk_count",
        ]
    ]
    grouped["at_risk_count"] = grouped["at_risk_count"].astype("int64")
    result = grouped.reset_index()
    return result.sort_values(["noi", key], ascending=[False, True], kind="mergesort").reset_index(
        drop=True
    )


def noi_changes(
    property_monthly: pd.DataFrame, properties: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Every property's latest-month NOI against the same month a year earlier, biggest move first."""
    _require(property_monthly, ("property_id", "period", "noi"), "property_monthly")
    frame = property_monthly[["property_id", "period", "noi"]].copy()
    frame["period"] = to_month(frame["period"])
    year_ago = as_of - _offset(12)
    latest = frame[frame["period"] == as_of].groupby("property_id")["noi"].sum()
    earlier = frame[frame["period"] == year_ago].groupby("property_id")["noi"].sum()
    columns = [c for c in ("property_id", "name", "property_type", "market") if c in properties]
    table = properties[columns].copy()
    table["latest_month_noi"] = table["property_id"].map(latest)
    table["year_ago_noi"] = table["property_id"].map(earlier)
    table = table.dropna(subset=["latest_month_noi", "year_ago_noi"])
    table["noi_change"] = table["latest_month_noi"] - table["year_ago_noi"]
    base = table["year_ago_noi"].abs()
    table["noi_change_pct"] = table["noi_change"] / base.where(base != 0)
    table["_size"] = table["noi_change"].abs()
    table = table.sort_values(["_size", "property_id"], ascending=[False, True], kind="mergesort")
    return table.drop(columns="_size").reset_index(drop=True)


def to_month(values: pd.Series) -> pd.Series:
    """Periods (dates, timestamps or ISO text) as month-start timestamps."""
    import pandas as pd

    text = values.astype("string").str.slice(0, 10)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    if parsed.isna().any():
        bad = values[parsed.isna()].head(3).tolist()
        raise ToolError(f"Periods must be dates such as 2025-12-01; could not read {bad}.")
    return parsed.dt.to_period("M").dt.to_timestamp()


def _offset(months: int) -> Any:
    import pandas as pd

    return pd.DateOffset(months=months)


def _month(portfolio: pd.DataFrame, as_of: pd.Timestamp, months_back: int) -> Any:
    match = portfolio[portfolio["period"] == as_of - _offset(months_back)]
    return None if match.empty else match.iloc[-1]


def _change(latest: Any, earlier: Any) -> float | None:
    if earlier is None or style.is_missing(earlier["noi"]) or style.is_missing(latest):
        return None
    return float(latest) - float(earlier["noi"])


def _change_pct(latest: Any, earlier: Any) -> float | None:
    change = _change(latest, earlier)
    if change is None or float(earlier["noi"]) == 0:
        return None
    return change / abs(float(earlier["noi"]))


def _number(value: Any) -> float | None:
    if style.is_missing(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain Python values (NaN -> None, numpy scalars -> Python, timestamps -> ISO)."""
    records: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if style.is_missing(value):
                clean[str(key)] = None
            elif hasattr(value, "isoformat"):
                clean[str(key)] = value.isoformat()[:10]
            elif hasattr(value, "item"):
                clean[str(key)] = value.item()
            else:
                clean[str(key)] = value
        records.append(clean)
    return records


def _require(frame: Any, columns: Sequence[str], what: str) -> None:
    if not hasattr(frame, "columns"):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ToolError(
            f"The executive report needs {what} with the columns {list(columns)}; "
            f"missing {missing}."
        )
