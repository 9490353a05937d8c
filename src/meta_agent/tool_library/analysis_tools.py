"""Portfolio analysis: at-risk flags, trends, similar properties, outliers, correlations, scenarios.

Every tool takes and returns tables (pandas DataFrames) with DOMAIN.md's column names and keeps full
precision. pandas and numpy are imported inside the functions so that listing the tools stays fast;
the scenario arithmetic lives in ``meta_agent.simulation.scenarios``.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ToolError, UnknownProperty
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD, GROUP_RATIOS, GROUP_SUMS
from meta_agent.tool_library.tool_registry import tool

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

# DOMAIN.md: at risk means DSCR below 1.25 unless the request names another threshold.
COMPARISON_METRICS = ["noi", "dscr", "cap_rate", "occupancy", "ltv", "debt_yield"]
OUTLIER_METHODS = {"iqr": 1.5, "zscore": 3.0}  # method -> default threshold (IQR k, or |z|)
CORRELATION_METHODS = ("pearson", "spearman", "kendall")

# --- shared helpers ----------------------------------------------------------------------------


def _frame(data: Any, name: str = "data") -> pd.DataFrame:
    """A DataFrame from a DataFrame or a list of row dicts."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, list) and all(isinstance(row, dict) for row in data):
        return pd.DataFrame(data)
    raise TypeError(f"{name} must be a table (DataFrame or list of row dicts), not {type(data)}")


def _require(frame: pd.DataFrame, columns: list[str], name: str = "data") -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ToolError(
            f"{name} has no column(s) {missing}; it has {list(map(str, frame.columns))}."
        )


def _floats(frame: pd.DataFrame, column: str) -> Any:
    """A column as a float array; missing or non-numeric entries become NaN."""
    import numpy as np
    import pandas as pd

    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _count(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be a whole number, not {type(n).__name__}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return n


def _scalar(value: Any) -> float | None:
    """A plain float, or None where the value is undefined (NaN)."""
    number = float(value)
    return None if math.isnan(number) else number


def _portfolio(metrics: pd.DataFrame | None) -> pd.DataFrame:
    if metrics is None:
        from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

        metrics = fetch_portfolio_metrics()
    frame = _frame(metrics, "metrics")
    _require(frame, ["property_id", "property_type"], "metrics")
    return frame


def _target(metrics: pd.DataFrame, property_id: str) -> pd.Series:
    if not isinstance(property_id, str):
        raise TypeError(f"property_id must be a string, not {type(property_id).__name__}")
    rows = metrics[metrics["property_id"] == property_id]
    if rows.empty:
        hint = ", ".join(_close_ids(metrics, property_id))
        raise UnknownProperty(
            f"No property with id {property_id!r}."
            + (f" Close ids: {hint}." if hint else "")
            + " fetch_property_directory() lists them."
        )
    return rows.iloc[0]


def _close_ids(metrics: pd.DataFrame, text: str) -> list[str]:
    """Ids like ``text``, which may be a mistyped id or a property's name."""
    import difflib

    ids = [str(p) for p in metrics["property_id"]]
    slug = "_".join(text.lower().replace("-", " ").split())
    close = difflib.get_close_matches(slug, ids, n=3, cutoff=0.6)
    if "name" in metrics.columns:
        names = {str(n).lower(): str(p) for p, n in zip(ids, metrics["name"], strict=True)}
        close += [names[n] for n in difflib.get_close_matches(text.lower(), names, n=3, cutoff=0.6)]
    return list(dict.fromkeys(close))[:3]


# --- at risk and trends ------------------------------------------------------------------------


@tool(category="analysis", intents=("metrics", "ranking", "count"), columns=("at_risk",))
def flag_at_risk(data: pd.DataFrame, threshold: float = DEFAULT_AT_RISK_THRESHOLD) -> pd.DataFrame:
    """Add a boolean at_risk column: DSCR below the threshold; properties with no debt never are.

    Args:
        data: a table with dscr (or noi and debt_service), e.g. fetch_portfolio_metrics().
        threshold: the DSCR below which a property is at risk.
    """
    import numpy as np

    from meta_agent.simulation.scenarios import check_threshold
    from meta_agent.tool_library.calculation_tools import calculate_dscr_vector

    limit = check_threshold(threshold)
    frame = _frame(data).copy()
    if "dscr" not in frame.columns:
        _require(frame, ["noi", "debt_service"])  # no dscr: compute it from its parts
        frame["dscr"] = calculate_dscr_vector(frame["noi"], frame["debt_service"])
    dscr = _floats(frame, "dscr")
    with np.errstate(invalid="ignore"):
        at_risk = dscr < limit  # NaN (no debt) compares False
    if "has_debt" in frame.columns:
        at_risk &= frame["has_debt"].eq(True).to_numpy()
    frame["at_risk"] = at_risk
    return frame


@tool(category="analysis", intents=("trend",))
def trend_analysis(
    data: pd.DataFrame,
    value_column: str = "noi",
    period_column: str = "period",
    months: int | None = None,
) -> dict[str, Any]:
    """Month-over-month and year-over-year changes, slope and growth of a monthly series.

    Changes are fractions ((value - earlier) / |earlier|; 0.05 = +5%) against the same series one
    and twelve calendar months earlier, NaN when that month is missing or zero. Rows that share a
    month are summed (averaged for ratios such as occupancy).

    Args:
        data: monthly rows, e.g. fetch_monthly_performance() or fetch_financial_data().
        months: report only the latest ``months`` months; earlier rows in ``data`` still serve
            as the base of the changes (give 12 more months than reported for year over year).
    """
    import pandas as pd

    from meta_agent.tool_library import _stats as stats

    frame = _frame(data)
    _require(frame, [period_column, value_column])
    if frame.empty:
        raise ToolError("There are no rows to analyse; the data is empty.")
    values = stats.monthly_values(frame, value_column, period_column)

    def earlier(months: int) -> pd.Series:
        shifted = values.copy()
        shifted.index = shifted.index + pd.DateOffset(months=months)
        return shifted.reindex(values.index)

    series = pd.DataFrame(
        {
            "period": values.index,
            "value": values.to_numpy(),
            "mom_change": stats.relative_change(values, earlier(1)).to_numpy(),
            "yoy_change": stats.relative_change(values, earlier(12)).to_numpy(),
        }
    )
    if months is not None:
        if months < 1:
            raise ToolError(f"months must be at least 1 (got {months}).")
        series = series.iloc[-months:].reset_index(drop=True)
        values = values.iloc[-months:]
    first, last = values.iloc[0], values.iloc[-1]
    return {
        "series": series,
        "slope_per_month": stats.slope(values),
        "total_growth": _scalar((last - first) / abs(first)) if first else None,
        "latest_mom_change": _scalar(series["mom_change"].iloc[-1]),
        "latest_yoy_change": _scalar(series["yoy_change"].iloc[-1]),
        "average": _scalar(values.mean()),
        "months": len(series),
        "latest_value": _scalar(last),
        "latest_period": values.index[-1].date().isoformat(),
    }


# --- similar properties ------------------------------------------------------------------------


@tool(category="analysis", side_effects=["reads_database"])
def find_similar_properties(
    property_id: str, n: int = 5, metrics: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The n properties of the same type most like the target in size, age and market.

    similarity_score runs from 0 to 100: 100 * (1 - (0.4 d_size + 0.3 d_age + 0.3 d_location))
    with d_size = |ln(sqft ratio)| / ln 4, d_age = |years apart| / 40 (both capped at 1), and
    d_location 0 in the same market, else 0.5 + 0.5 * min(1, km / 2000). Missing inputs count as
    fully unlike. The target is excluded; ties are broken by property_id.

    Args:
        metrics: the portfolio table (fetch_portfolio_metrics() columns); read from the database
            when omitted.
    """
    from meta_agent.tool_library import _similarity as similarity

    count = _count(n)
    frame = _portfolio(metrics)
    target = _target(frame, property_id)
    peers = frame[
        (frame["property_type"] == target["property_type"]) & (frame["property_id"] != property_id)
    ]
    scored = peers.assign(similarity_score=similarity.similarity_scores(target, peers))
    ranked = scored.sort_values(
        ["similarity_score", "property_id"], ascending=[False, True], kind="stable"
    )
    return ranked.head(count).reset_index(drop=True)


def _chosen_peers(frame: pd.DataFrame, target: pd.Series, peer_ids: list[str]) -> pd.DataFrame:
    from meta_agent.tool_library import _similarity as similarity

    ids = [p for p in dict.fromkeys(peer_ids) if p != target["property_id"]]
    for peer in ids:
        _target(frame, peer)  # UnknownProperty, with close ids, for an unknown peer
    peers = frame.set_index("property_id").loc[ids].reset_index()
    return peers.assign(similarity_score=similarity.similarity_scores(target, peers))


@tool(category="analysis", side_effects=["reads_database"], intents=("comparison",))
def comparative_analysis(
    property_id: str,
    n: int = 5,
    metrics: pd.DataFrame | None = None,
    peer_ids: list[str] | None = None,
) -> pd.DataFrame:
    """The target's key metrics next to its peers' and the peer average.

    Rows: the target (role "target"), its peers best first (role "peer"), then the mean of the
    peers (role "peer_average", property_id empty). Peers are the n most similar properties of
    the same type (find_similar_properties) unless peer_ids names them.

    Args:
        metrics: the portfolio table (fetch_portfolio_metrics() columns); read from the database
            when omitted.
        peer_ids: the peers to compare with, in this order (n is then ignored).
    """
    import pandas as pd

    frame = _portfolio(metrics)
    target = _target(frame, property_id)
    if peer_ids is None:
        peers = find_similar_properties(property_id, n, frame)
    else:
        peers = _chosen_peers(frame, target, list(peer_ids))
    identity = [c for c in ("property_id", "name", "property_type", "market") if c in frame]
    values = [c for c in COMPARISON_METRICS if c in frame.columns] + ["similarity_score"]
    target_row = {**{c: target[c] for c in identity + values[:-1]}, "similarity_score": math.nan}
    average = {c: pd.to_numeric(peers[c], errors="coerce").mean() for c in values}
    table = pd.DataFrame(
        [{"role": "target", **target_row}]
        + [{"role": "peer", **row} for row in peers[identity + values].to_dict("records")]
        + [{"role": "peer_average", "name": "Peer average", **average}],
        columns=["role", *identity, *values],
    )
    return table


# --- outliers and correlations -----------------------------------------------------------------


@tool(category="analysis", intents=("outliers",), columns=("outlier_score", "is_outlier"))
def outlier_detection(
    data: pd.DataFrame, column: str, method: str = "iqr", threshold: float | None = None
) -> pd.DataFrame:
    """Flag unusual values of a column: Tukey's IQR fences (k = 1.5) or |z-score| above 3.

    Adds is_outlier, outlier_score and method. For "iqr" the score is the distance beyond the
    nearer quartile in IQRs (an outlier when above k); for "zscore" it is |value - mean| / standard
    deviation. Missing values are never outliers and score NaN.

    Args:
        method: "iqr" or "zscore".
        threshold: k for "iqr" (default 1.5) or the |z| limit for "zscore" (default 3).
    """
    import pandas as pd

    from meta_agent.tool_library import _stats as stats

    name = method.lower().replace("-", "").replace("_", "") if isinstance(method, str) else method
    if name not in OUTLIER_METHODS:
        raise ValueError(f"method must be one of {sorted(OUTLIER_METHODS)}, got {method!r}")
    limit = OUTLIER_METHODS[name] if threshold is None else float(threshold)
    if not limit > 0 or math.isinf(limit):
        raise ValueError(f"threshold must be a positive number, got {threshold}")
    frame = _frame(data).copy()
    _require(frame, [column])
    values = pd.to_numeric(frame[column], errors="coerce").astype(float)
    scores = stats.iqr_scores(values) if name == "iqr" else stats.z_scores(values)
    outlier = scores.gt(limit) | (values.notna() & scores.isna())
    frame["is_outlier"] = outlier.to_numpy(dtype=bool)
    frame["outlier_score"] = scores.to_numpy(dtype=float)
    frame["method"] = name
    return frame


@tool(category="analysis", intents=("correlation",))
def correlation_analysis(
    data: pd.DataFrame, columns: list[str] | None = None, method: str = "pearson"
) -> pd.DataFrame:
    """Correlation matrix of numeric columns, with a leading column naming each row's metric.

    Args:
        columns: the columns to correlate (default: every numeric, non-boolean column).
        method: "pearson", "spearman" or "kendall".
    """
    import pandas as pd

    if method not in CORRELATION_METHODS:
        raise ValueError(f"method must be one of {CORRELATION_METHODS}, got {method!r}")
    frame = _frame(data)
    if columns is None:
        chosen = [
            str(c)
            for c in frame.columns
            if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        ]
    else:
        chosen = list(dict.fromkeys(columns))
        _require(frame, chosen)
    numeric = frame[chosen].apply(pd.to_numeric, errors="coerce").astype(float)
    if len(chosen) < 2 or len(numeric.dropna(how="all")) < 2:
        raise ToolError(
            f"A correlation needs at least two numeric columns and two rows; got columns {chosen}."
        )
    matrix = numeric.corr(method=method)
    matrix.index.name = "column"
    return matrix.reset_index()


# --- scenarios ---------------------------------------------------------------------------------


@tool(category="analysis", intents=("scenario",))
def scenario_analysis(
    base_case: pd.DataFrame,
    scenarios: list[dict[str, Any]],
    loans: pd.DataFrame | None = None,
    threshold: float = DEFAULT_AT_RISK_THRESHOLD,
) -> pd.DataFrame:
    """NOI and interest-rate stress tests: NOI, debt service, DSCR and at_risk per scenario.

    An NOI shock of x% multiplies every month's NOI (so T12 NOI) by (1 - x/100); a rate shock of
    +b bp raises each loan's rate by b/10,000 (never below 0%) and recomputes its annual debt
    service. The result is long: a "base" scenario first, then each scenario, one row per property.

    Args:
        base_case: fetch_portfolio_metrics() rows (property_id, name, property_type, noi,
            debt_service).
        scenarios: one dict per scenario: {"name": ..., "noi_shock_pct": 10, "rate_shock_bp":
            200}; missing shocks are 0 and a missing name is made from the shocks.
        loans: fetch_loans() rows; needed only when a scenario shocks rates.
    """
    from meta_agent.simulation import scenarios as sim

    frame = _frame(base_case, "base_case")
    _require(frame, ["property_id", "noi", "debt_service"], "base_case")
    parsed = sim.parse_scenarios(scenarios)
    book = None
    if loans is not None and any(s.rate_shock_bp for s in parsed):
        book = sim.LoanBook.from_frame(_frame(loans, "loans"), frame["property_id"].tolist())
    noi, service = _floats(frame, "noi"), _floats(frame, "debt_service")
    grid = sim.simulate(noi, service, parsed, book, threshold)
    logger.info("scenarios run", extra={"scenarios": len(parsed), "properties": len(frame)})
    return sim.scenario_table(grid, frame)


@tool(category="analysis", version="1.1.0")
def scenario_summary(
    results: pd.DataFrame, threshold: float = DEFAULT_AT_RISK_THRESHOLD
) -> pd.DataFrame:
    """Per scenario: properties, with_debt, at_risk_count, aggregate_dscr, average_dscr, min_dscr.

    ``aggregate_dscr`` is DOMAIN.md's figure of the group (sum of NOI / sum of debt service over
    the properties with debt): what "portfolio DSCR under the shock" means.

    Args:
        results: the table scenario_analysis returned.
    """
    from meta_agent.simulation import scenarios as sim

    frame = _frame(results, "results")
    _require(
        frame,
        ["scenario", "noi_shock_pct", "rate_shock_bp", "noi", "dscr", "debt_service"],
        "results",
    )
    summary = sim.summarize(frame, threshold)
    levered = frame[frame["debt_service"].fillna(0) > 0]
    sums = levered.groupby("scenario", sort=False)[["noi", "debt_service"]].sum()
    aggregate = sums["noi"] / sums["debt_service"]
    at = list(summary.columns).index("at_risk_count") + 1 if "at_risk_count" in summary else 0
    summary.insert(at, "aggregate_dscr", summary["scenario"].map(aggregate).astype(float))
    return summary


@tool(category="analysis")
def scenario_pivot(results: pd.DataFrame) -> pd.DataFrame:
    """One row per property with one dscr_<scenario> column per scenario, base first.

    Args:
        results: the table scenario_analysis returned.
    """
    from meta_agent.simulation import scenarios as sim

    frame = _frame(results, "results")
    _require(frame, ["scenario", "property_id", "dscr"], "results")
    return sim.pivot_dscr(frame)


# --- figures of a group (DOMAIN.md) ------------------------------------------------------------

GROUP_STATISTICS = ("aggregate", "mean", "median", "share")


@tool(
    category="analysis",
    intents=("aggregation",),
    columns=(
        "property_count",
        "aggregate_dscr",
        "aggregate_cap_rate",
        "aggregate_ltv",
        "aggregate_debt_yield",
        "weighted_occupancy",
        "properties_with_debt",
    ),
)
def group_figures(
    data: pd.DataFrame,
    metrics: list[str],
    group_by: str | None = None,
    statistic: str = "aggregate",
) -> pd.DataFrame:
    """Figures of a group, as DOMAIN.md defines them: one row per group (or one for everything).

    ``aggregate``: a ratio of the group's sums, never a sum or a silent mean of the properties'
    ratios: `aggregate_dscr` = sum NOI / sum debt service over the properties with debt,
    `aggregate_cap_rate` = sum NOI / sum value, `aggregate_ltv` = sum loan balance / sum value,
    `aggregate_debt_yield` = sum NOI / sum loan balance over the properties with debt,
    `weighted_occupancy` = occupancy weighted by square feet; dollar figures are summed (`noi`).
    ``mean`` / ``median``: the plain mean or median of the properties' values, missing values
    left out, in columns labelled `average_<metric>` / `median_<metric>`. ``share``: each group's
    sum of a dollar figure over the sum of the whole table (`noi_share`), with the sum (`noi`).
    Every row also has `property_count`.

    Args:
        data: a metrics table (fetch_portfolio_metrics), already filtered to the set asked about.
        metrics: the metrics to figure, e.g. ["dscr", "ltv", "occupancy"].
        group_by: a column to group by (property_type, market, state, city); None for one row.
        statistic: "aggregate", "mean", "median" or "share".
    """
    import pandas as pd

    frame = _frame(data)
    if statistic not in GROUP_STATISTICS:
        raise ToolError(
            f"statistic must be one of {', '.join(GROUP_STATISTICS)}; got {statistic!r}."
        )
    if not metrics:
        raise ToolError("metrics must name at least one metric, e.g. ['dscr'].")
    keys = [group_by] if group_by else []
    needed = set(keys)
    for metric in metrics:
        if statistic in ("mean", "median"):
            needed.add(metric)
        elif metric in GROUP_RATIOS:
            if statistic == "share":
                raise ToolError(f"A share is taken of a sum; {metric!r} is a ratio.")
            needed |= set(GROUP_RATIOS[metric][:2])
        elif metric == "occupancy":
            if statistic == "share":
                raise ToolError("A share is taken of a sum; 'occupancy' is a ratio.")
            needed |= {"occupancy", "square_feet"}
        elif metric in GROUP_SUMS:
            needed.add(metric)
        else:
            raise ToolError(
                f"{metric!r} has no group figure; use one of "
                f"{', '.join([*GROUP_RATIOS, 'occupancy', *GROUP_SUMS])}, or statistic='mean'."
            )
    _require(frame, sorted(needed))
    groups = frame.groupby(keys, dropna=False, sort=True) if keys else [((), frame)]
    rows = []
    for key, part in groups:
        row: dict[str, Any] = {}
        if keys:
            row[keys[0]] = key[0] if isinstance(key, tuple) else key
        row["property_count"] = len(part)
        for metric in metrics:
            row.update(_group_figure(part, frame, metric, statistic))
        rows.append(row)
    return pd.DataFrame(rows)


def _column(frame: pd.DataFrame, column: str) -> pd.Series:
    import pandas as pd

    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _figure(value: Any) -> float | None:
    return None if value is None else _scalar(value)


def _group_figure(
    part: pd.DataFrame, whole: pd.DataFrame, metric: str, statistic: str
) -> dict[str, Any]:
    values = _column(part, metric) if metric in part.columns else None
    if statistic == "mean" and values is not None:
        return {f"average_{metric}": _figure(values.mean())}
    if statistic == "median" and values is not None:
        return {f"median_{metric}": _figure(values.median())}
    if metric in GROUP_RATIOS:
        top, bottom, debt_only = GROUP_RATIOS[metric]
        chosen = part
        if debt_only:
            chosen = part[_column(part, bottom).fillna(0) > 0]
        # Both sums over the same properties: one without a value (no valuation) or without a
        # figure on top is left out of both, never counted on one side only.
        complete = _column(chosen, top).notna() & _column(chosen, bottom).notna()
        left_out = int((~complete).sum())
        chosen = chosen[complete]
        numerator = _column(chosen, top).sum(min_count=1)
        denominator = _column(chosen, bottom).sum(min_count=1)
        figure = numerator / denominator if denominator and denominator > 0 else None
        out: dict[str, Any] = {f"aggregate_{metric}": _figure(figure)}
        if debt_only:
            out["properties_with_debt"] = len(chosen)
        if left_out:
            out[f"properties_without_{bottom}"] = left_out
        return out
    if metric == "occupancy":
        occupancy = _column(part, "occupancy")
        weights = _column(part, "square_feet").where(occupancy.notna())
        occupied = (occupancy * weights).sum(min_count=1)
        total = weights.sum(min_count=1)
        return {"weighted_occupancy": _figure(occupied / total if total and total > 0 else None)}
    total = _column(part, metric).sum(min_count=1)
    if statistic == "share":
        whole_total = _column(whole, metric).sum(min_count=1)
        share = total / whole_total if whole_total and whole_total != 0 else None
        return {metric: _figure(total), f"{metric}_share": _figure(share)}
    return {metric: _figure(total)}


# --- loans -------------------------------------------------------------------------------------


def _as_of() -> Any:
    """The end of the data's latest month: metrics, and 'next year', are as of this day."""
    import pandas as pd
    import sqlalchemy as sa

    from meta_agent.portfolio import fetch
    from meta_agent.portfolio.schema import financials

    with fetch.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(financials.c.period))).scalar()
    if latest is None:
        raise ToolError("The portfolio has no monthly financials to date the loans against.")
    return pd.Timestamp(str(latest)[:10]) + pd.offsets.MonthEnd(0)


@tool(
    category="analysis",
    side_effects=["reads_database"],
    intents=("loans",),
    columns=("interest_only", "months_to_maturity"),
)
def select_loans(
    data: pd.DataFrame,
    maturing_from: str | None = None,
    maturing_before: str | None = None,
    within_months: int | None = None,
    year_offset: int | None = None,
    interest_only: bool | None = None,
) -> pd.DataFrame:
    """The loans matching a maturity window and/or interest-only, soonest maturity first.

    Adds `interest_only` (amortization_months == 0) and `months_to_maturity` (from the end of the
    data's latest month, the date metrics are as of). Relative windows use that date too:
    `within_months=12` keeps loans maturing after it and at most 12 months later; `year_offset=1`
    keeps loans maturing in the calendar year after it ("next year").

    Args:
        data: loans (fetch_loans).
        maturing_from: keep maturities on or after this ISO date.
        maturing_before: keep maturities strictly before this ISO date.
        within_months: keep maturities within this many months of the as-of date.
        year_offset: keep maturities in the calendar year as-of year + offset.
        interest_only: keep only interest-only loans (True) or only amortizing ones (False).
    """
    import pandas as pd

    frame = _frame(data).copy()
    _require(frame, ["loan_id", "maturity_date", "amortization_months"])
    maturity = pd.to_datetime(frame["maturity_date"])
    as_of = _as_of()
    keep = pd.Series(True, index=frame.index)
    if maturing_from is not None:
        keep &= maturity >= pd.Timestamp(maturing_from)
    if maturing_before is not None:
        keep &= maturity < pd.Timestamp(maturing_before)
    if within_months is not None:
        keep &= (maturity > as_of) & (maturity <= as_of + pd.DateOffset(months=int(within_months)))
    if year_offset is not None:
        year = as_of.year + int(year_offset)
        keep &= maturity.dt.year == year
    frame["interest_only"] = frame["amortization_months"].astype(int) == 0
    if interest_only is not None:
        keep &= frame["interest_only"] == bool(interest_only)
    frame["months_to_maturity"] = ((maturity - as_of).dt.days / 30.4375).round(1)
    chosen = frame[keep].assign(_maturity=maturity[keep])
    chosen = chosen.sort_values(["_maturity", "loan_id"], kind="mergesort")
    return chosen.drop(columns="_maturity").reset_index(drop=True)


# --- change of a group's NOI ------------------------------------------------------------------


@tool(
    category="analysis",
    version="2.0.0",
    side_effects=["reads_database"],
    intents=("aggregation",),
    columns=("property_count", "noi", "noi_prior", "noi_growth"),
)
def group_noi_change(
    data: pd.DataFrame, group_by: str | None = None, basis: str = "yoy"
) -> pd.DataFrame:
    """Change of a group's NOI: year over year in T12 NOI, or month over month in monthly NOI.

    ``yoy`` (DOMAIN.md): the group's T12 NOI at the latest period / its T12 NOI twelve periods
    earlier - 1, both sums over the group's properties. ``mom``: the group's NOI of the latest
    month / its NOI of the month before - 1. Columns: the group, `property_count`, `noi` and
    `noi_prior` (the two sums) and `noi_growth` (a fraction, 0.05 = +5%).

    Args:
        data: the properties of the set (fetch_portfolio_metrics, filtered); needs property_id
            and the group_by column.
        group_by: property_type, market, state or city; None for one row.
        basis: "yoy" or "mom".
    """
    import pandas as pd
    import sqlalchemy as sa

    from meta_agent.portfolio import fetch
    from meta_agent.portfolio.schema import financials

    if basis not in ("yoy", "mom"):
        raise ToolError(f"basis must be 'yoy' or 'mom'; got {basis!r}.")
    frame = _frame(data)
    keys = [group_by] if group_by else []
    _require(frame, ["property_id", *keys])
    ids = frame["property_id"].astype(str).tolist()
    periods = sa.select(financials.c.period).distinct().order_by(financials.c.period.desc())
    with fetch.connect() as conn:
        recent = [row[0] for row in conn.execute(periods.limit(24))]
        needed = 24 if basis == "yoy" else 2
        if len(recent) < needed:
            raise ToolError(
                f"{needed} months of financials are needed; the data has {len(recent)}."
            )
        query = sa.select(financials.c.property_id, financials.c.period, financials.c.noi).where(
            financials.c.period.in_(recent[:needed]), financials.c.property_id.in_(ids)
        )
        monthly = pd.DataFrame(conn.execute(query).all(), columns=["property_id", "period", "noi"])
    latest = set(recent[:12] if basis == "yoy" else recent[:1])
    monthly["now"] = monthly["period"].isin(latest)
    per_property = monthly.pivot_table(
        index="property_id", columns="now", values="noi", aggfunc="sum", fill_value=0.0
    ).rename(columns={True: "noi", False: "noi_prior"})
    joined = frame[["property_id", *keys]].merge(
        per_property.reset_index(), on="property_id", how="left"
    )
    groups = joined.groupby(keys, dropna=False, sort=True) if keys else [((), joined)]
    rows = []
    for key, part in groups:
        row: dict[str, Any] = {}
        if keys:
            row[keys[0]] = key[0] if isinstance(key, tuple) else key
        now, prior = float(part["noi"].sum()), float(part["noi_prior"].sum())
        row.update(
            property_count=len(part),
            noi=now,
            noi_prior=prior,
            noi_growth=now / prior - 1 if prior else None,
        )
        rows.append(row)
    return pd.DataFrame(rows)


@tool(category="analysis")
def scenario_parameters() -> dict[str, Any]:
    """The values of the scenario this run simulates (`meta-agent simulate --script`); {} otherwise.

    The runtime hands each run of a script-driven simulation its scenario's values, checked against
    the script's SCENARIO_PARAMETERS; the script reads them here, once, and cannot change them.
    """
    import json
    import os

    from meta_agent.simulation.handover import SCENARIO_VARIABLE

    text = os.environ.get(SCENARIO_VARIABLE)
    if not text:
        return {}
    try:
        values = json.loads(text)
    except ValueError as exc:
        raise ToolError(f"The scenario values handed to this run are not JSON: {exc}.") from None
    if not isinstance(values, dict):
        raise ToolError("The scenario values handed to this run are not a JSON object.")
    return dict(values)
