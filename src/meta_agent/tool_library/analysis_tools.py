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
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
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


@tool(category="analysis")
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


@tool(category="analysis")
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


@tool(category="analysis", side_effects=["reads_database"])
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


@tool(category="analysis")
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


@tool(category="analysis")
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


@tool(category="analysis")
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


@tool(category="analysis")
def scenario_summary(
    results: pd.DataFrame, threshold: float = DEFAULT_AT_RISK_THRESHOLD
) -> pd.DataFrame:
    """Per scenario: properties, with_debt, at_risk_count, average_dscr and min_dscr.

    Args:
        results: the table scenario_analysis returned.
    """
    from meta_agent.simulation import scenarios as sim

    frame = _frame(results, "results")
    _require(
        frame, ["scenario", "noi_shock_pct", "rate_shock_bp", "dscr", "debt_service"], "results"
    )
    return sim.summarize(frame, threshold)


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
