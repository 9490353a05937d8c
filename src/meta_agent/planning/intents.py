"""The intent-specific half of reading a request: what a ranking, aggregation, scenario,
comparison, trend, outlier or correlation request needs, with defaults stated."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, cast

from meta_agent.errors import RequestRejected
from meta_agent.planning.models import (
    Aggregation,
    LoanQuery,
    MetricFilter,
    Ranking,
    RequirementAnalysis,
    Scenario,
)
from meta_agent.planning.vocabulary import GROUP_FIGURES, METRICS, RATIO_METRICS, SUMMED_METRICS

if TYPE_CHECKING:
    from meta_agent.planning.reading import Reading

DEFAULT_PEERS = 5
COMPARISON_METRICS = ["noi", "dscr", "cap_rate", "occupancy", "ltv", "debt_yield"]
CORRELATION_METRICS = ["noi", "dscr", "cap_rate", "ltv", "debt_yield", "occupancy", "expense_ratio"]
GROUP_OF_SCOPE = (
    ("property_types", "property_type"),
    ("markets", "market"),
    ("states", "state"),
    ("cities", "city"),
)
MONTHLY_ONLY = ("gross_potential_rent", "capex")
# Plans that do not select properties row by row: a named property cannot be left out of them.
_WHOLE_SETS = frozenset({"trend", "comparison", "report", "loans"})


def _reject(message: str, suggestions: list[str] | None = None) -> NoReturn:
    raise RequestRejected(message, suggestions or [])


def complete(reading: Reading, analysis: RequirementAnalysis) -> None:
    """Fill the fields the analysis' intent needs."""
    steps: dict[str, Callable[[Reading, RequirementAnalysis], None]] = {
        "ranking": _ranking,
        "aggregation": _aggregation,
        "count": _count,
        "scenario": _scenario,
        "comparison": _comparison,
        "trend": _trend,
        "outliers": _outliers,
        "correlation": _correlation,
        "report": _report,
        "metrics": _plain,
        "loans": _loans,
    }
    steps[analysis.intent](reading, analysis)
    if analysis.scope.excluded.get("property_ids") and analysis.intent in _WHOLE_SETS:
        _reject(
            f"Leaving a named property out works for lists, rankings, groups, counts and "
            f"scenarios, not for {analysis.intent} questions yet; ask without it.",
            ["top 5 by NOI except Orlando Fashion Square", "NOI trend for the portfolio"],
        )
    if any(f.metric == "property_count" for f in analysis.filters):
        _reject(
            "A number of properties is a condition on a group: ask which markets, states or "
            "property types have that many, e.g. 'which markets have more than 3 properties'.",
            ["which markets have more than 3 properties", "number of properties by market"],
        )
    if reading.signals.not_at_risk:
        if analysis.intent != "metrics" or not analysis.at_risk:
            _reject(
                "'Not at risk' lists properties; it cannot be combined with rankings, groups, "
                "counts or scenarios yet. Ask for the list, or for the at-risk ones.",
                ["which properties are not at risk", "how many properties are at risk"],
            )
        analysis.not_at_risk = True
        monthly = [m for m in analysis.metrics if m in MONTHLY_ONLY]
        if monthly:
            _reject(
                f"{METRICS[monthly[0]].label} is only available as a monthly trend.",
                [f"{METRICS[monthly[0]].label} trend for the portfolio over the last 12 months"],
            )


def _ensure(analysis: RequirementAnalysis, metric: str, first: bool = False) -> None:
    if metric in analysis.metrics and not first:
        return
    if metric in analysis.metrics:
        analysis.metrics.remove(metric)
    if first:
        analysis.metrics.insert(0, metric)
    else:
        analysis.metrics.append(metric)


# --- ranking and aggregation ----------------------------------------------------------------


def _rank_metric(reading: Reading, analysis: RequirementAnalysis) -> str:
    ranks = reading.signals.ranks
    at = ranks[0][1] if ranks else 0
    after = [m for m, i in reading.signals.metric_at if i > at]
    before = [m for m, i in reading.signals.metric_at if i < at]
    found = after or before[-1:]
    metric: str | None = found[0] if found else None
    if metric is None and analysis.at_risk:
        metric = "dscr"
    if metric is None and reading.signals.loans:
        metric = "loan_balance"
        reading.notes.append("loans ranked by loan balance")
    if metric is None and any(d in ("best", "worst") for d, _ in ranks):
        metric = "dscr" if analysis.filters == [] and analysis.scope.has_debt is not False else None
        if metric:
            reading.notes.append("read best/worst as DSCR (debt coverage)")
    if metric is None:
        _reject(
            "Rank by which metric? Name one, e.g. 'top 10 properties by NOI'.",
            ["top 10 properties by NOI", "lowest 5 DSCR", "highest cap rate"],
        )
    return "occupancy" if metric == "vacancy" else metric


_POSITIONAL = frozenset({"top", "bottom"})


def _descending(reading: Reading, metric: str) -> bool:
    ranked = [(d, i) for d, i in reading.signals.ranks if d != "sort"]
    if not ranked:
        reading.notes.append(f"sorted by {_label(metric)}, highest first")
        return True
    direction = ranked[0][0]
    first_word = reading.signals.rank_words.get(ranked[0][1])
    if len(ranked) > 1 and direction in ("desc", "asc") and first_word in _POSITIONAL:
        direction = ranked[1][0]  # "top 5 worst DSCR": 'top' is the head of the list, not its order
    if "vacancy" in reading.signals.metrics and metric == "occupancy":
        direction = {"desc": "asc", "asc": "desc"}.get(direction, direction)
    if direction in ("best", "worst"):
        higher = METRICS[metric].higher_is_better if metric in METRICS else True
        best_first = direction == "best"
        return best_first == (higher is not False)
    return direction == "desc"


def _label(metric: str) -> str:
    return METRICS[metric].label if metric in METRICS else metric.replace("_", " ")


def _limit(reading: Reading) -> int | None:
    if reading.quantities.limit is not None:
        return reading.quantities.limit
    return 1 if reading.signals.singular else None


def _ranking(reading: Reading, analysis: RequirementAnalysis) -> None:
    metric = _rank_metric(reading, analysis)
    _ensure(analysis, metric, first=True)
    descending = _descending(reading, metric)
    fraction = reading.quantities.fraction
    within = reading.signals.group_by if reading.signals.per_group else None
    if within is not None and fraction is not None:
        _reject(
            "A share of the properties within each group is not supported; ask for a number "
            "per group, e.g. 'top 3 properties by NOI in each market'.",
            ["top 3 properties by NOI in each market", "top 10% of properties by NOI"],
        )
    if fraction is None:
        analysis.ranking = Ranking(
            metric=metric, descending=descending, limit=_limit(reading), within=within
        )
        return
    analysis.ranking = Ranking(
        metric=metric,
        descending=descending,
        limit=_share_count(reading, analysis, metric, fraction),
        fraction=fraction,
    )


ALWAYS_PRESENT = frozenset(
    {"noi", "occupancy", "value", "cap_rate", "egi", "operating_expenses", "square_feet"}
)


def _share_count(reading: Reading, a: RequirementAnalysis, metric: str, fraction: float) -> int:
    """'top decile': how many properties that is, counted in the directory (ceil(N x share))."""
    import math

    if a.filters or a.at_risk or a.scope.has_debt is not None:
        _reject(
            "A share of the properties (top 10%, a decile, a quartile) is counted over a "
            "type, market, state or the whole portfolio, not over a filtered selection.",
            ["top 10% by occupancy", f"top 5 by {_label(metric)}"],
        )
    if metric not in ALWAYS_PRESENT:
        _reject(
            f"A share of the properties ranked by {_label(metric)} is ambiguous: properties "
            f"without debt have no {_label(metric)}. Ask for a number of properties instead.",
            [f"lowest 5 {_label(metric)}", f"top 10 by {_label(metric)}"],
        )
    scope = a.scope
    entries = reading.directory.where(
        property_id=scope.property_ids,
        property_type=scope.property_types,
        market=scope.markets,
        state=scope.states,
        city=scope.cities,
    )
    count = max(1, math.ceil(len(entries) * fraction - 1e-9))
    reading.notes.append(
        f"the {'top' if _descending(reading, metric) else 'bottom'} {fraction:.0%} of "
        f"{len(entries)} properties is {count} properties"
    )
    return count


def _aggregation(reading: Reading, analysis: RequirementAnalysis) -> None:
    signals = reading.signals
    group_by = signals.group_by or _compared_dimension(reading, analysis)
    functions = [f for f in signals.aggregations if f != "count"]
    analysis.metrics = [m for m in analysis.metrics if m != "property_count"]
    counted = [f for f in analysis.filters if f.metric == "property_count"]
    if counted and not analysis.metrics and not functions:  # "which markets have 5+ properties"
        having = _group_conditions(reading, analysis, group_by)
        analysis.aggregation = Aggregation(
            function="count", metrics=[], group_by=group_by, having=having
        )
        _rank_aggregate(reading, analysis, "property_count")
        return
    if not functions and "count" in signals.aggregations:
        analysis.aggregation = Aggregation(function="count", metrics=[], group_by=group_by)
        _rank_aggregate(reading, analysis, "property_count")
        return
    if (
        "share" in signals.flags
        and analysis.at_risk
        and set(analysis.metrics) <= {"dscr"}
        and not analysis.filters
        and group_by is None
    ):  # "what percentage of our properties are at risk"
        analysis.intent, analysis.count_share = "count", True
        analysis.metrics = ["dscr"]
        reading.notes.append(
            "the share is of every property asked about, those without debt included (they "
            "are never at risk)"
        )
        return
    if not analysis.metrics and "compare" in signals.flags:
        analysis.metrics = ["noi", "dscr", "cap_rate", "occupancy"]
        reading.notes.append("compared on NOI, DSCR, cap rate and occupancy")
    if not analysis.metrics:
        _reject(
            "Which metric should be aggregated? e.g. 'average cap rate by property type'.",
            ["average cap rate by property type", "total NOI by market", "count by state"],
        )
    if "share" in signals.flags:
        _share(reading, analysis, group_by)
        return
    if signals.flags & {"yoy", "mom", "change"}:
        _change(reading, analysis, group_by)
        return
    stated = [f for f in functions if f != "aggregate"] or functions  # "portfolio-wide average"
    function = stated[0] if stated else _default_function(reading, analysis.metrics)
    ratios = [m for m in analysis.metrics if m in RATIO_METRICS]
    if function == "sum" and ratios:
        function = "aggregate"
        reading.notes.append(
            f"the total {_label(ratios[0])} of a group is its aggregate {_label(ratios[0])} "
            "(a ratio of sums), never a sum of the properties' ratios"
        )
    if function == "aggregate":
        odd = [m for m in analysis.metrics if m not in GROUP_FIGURES]
        if odd:
            _reject(
                f"{_label(odd[0])} has no group figure; ask for its average, median, minimum "
                "or maximum.",
                [f"average {_label(odd[0])}", f"median {_label(odd[0])}"],
            )
    analysis.aggregation = Aggregation(
        function=cast(Any, function),
        metrics=analysis.metrics,
        group_by=group_by,
        having=_group_conditions(reading, analysis, group_by),
    )
    _rank_aggregate(reading, analysis, analysis.metrics[0])


def _group_conditions(
    reading: Reading, analysis: RequirementAnalysis, group_by: str | None
) -> list[MetricFilter]:
    """'which markets have DSCR below 1.4x': the condition is on each market's figure.

    Only when the groups are what is asked for and no property noun says otherwise ("which
    markets have properties with DSCR below 1.2" keeps a condition on the properties).
    """
    signals = reading.signals
    counted = any(f.metric == "property_count" for f in analysis.filters)
    if group_by is None or not signals.group_subject or (signals.items_named and not counted):
        return []
    having = [
        f for f in analysis.filters if f.metric in analysis.metrics or f.metric == "property_count"
    ]
    analysis.filters = [f for f in analysis.filters if f not in having]
    if analysis.at_risk and "at_risk" not in signals.flags and "dscr" in analysis.metrics:
        having.append(MetricFilter(metric="dscr", op="<", value=analysis.threshold))
        analysis.at_risk = False
        reading.notes[:] = [n for n in reading.notes if not n.startswith("at risk means")]
        analysis.threshold = reading.default_threshold
    if having:
        reading.notes.append(
            f"the condition is on each {group_by.replace('_', ' ')}'s figure, not on its properties"
        )
    return having


def _change(reading: Reading, analysis: RequirementAnalysis, group_by: str | None) -> None:
    """'YoY NOI change by market', 'MoM NOI growth by property type'."""
    if analysis.metrics not in ([], ["noi"]) or analysis.filters or analysis.at_risk:
        _reject(
            "A change by group is computed for NOI over the whole group (DOMAIN.md's YoY change "
            "in T12 NOI, or month over month); name NOI and a grouping.",
            ["YoY NOI change by property type", "MoM NOI change by market"],
        )
    basis = "mom" if "mom" in reading.signals.flags else "yoy"
    if "yoy" in reading.signals.flags and basis == "mom":
        _reject("Year over year or month over month? Ask for one.", ["YoY NOI change by market"])
    if not reading.signals.flags & {"yoy", "mom"}:
        reading.notes.append("growth read as the year-over-year change of T12 NOI (DOMAIN.md)")
    analysis.metrics = ["noi"]
    analysis.aggregation = Aggregation(
        function=cast(Any, basis), metrics=["noi"], group_by=group_by
    )
    _rank_aggregate(reading, analysis, "noi_growth")


def _share(reading: Reading, analysis: RequirementAnalysis, group_by: str | None) -> None:
    """'what fraction of NOI comes from office', 'NOI share by market'."""
    metrics = [m for m in analysis.metrics if m in SUMMED_METRICS] or (
        [] if analysis.metrics else ["noi"]
    )
    if not metrics or len(metrics) != len(analysis.metrics):
        _reject(
            "A share is a part of a total: ask for the share of a dollar figure (NOI, value, "
            "loan balance, debt service) or of square feet.",
            ["NOI share by property type", "what fraction of NOI comes from office"],
        )
    keep: list[str] = []
    scope = analysis.scope
    if group_by is None and analysis.properties:  # "what share of NOI is Orlando Fashion Square"
        group_by, keep = "name", [p.name for p in analysis.properties]
        scope.property_ids = []
        analysis.properties = []
    if group_by is None and reading.signals.per_item:  # "NOI share of each Florida property"
        group_by = "name"
    if group_by is None:
        for field_name, column in GROUP_OF_SCOPE:
            values = getattr(scope, field_name)
            if values:
                group_by, keep = column, list(values)
                setattr(scope, field_name, [])
                break
    if group_by is None:
        _reject(
            "A share of what? Name a group (a property type, market or state) or say 'by type'.",
            ["NOI share by property type", "what fraction of NOI comes from office"],
        )
    analysis.metrics = metrics
    analysis.aggregation = Aggregation(
        function="share", metrics=metrics, group_by=group_by, keep=keep
    )
    _rank_aggregate(reading, analysis, f"{metrics[0]}_share")


def _compared_dimension(reading: Reading, analysis: RequirementAnalysis) -> str | None:
    for field_name, column in GROUP_OF_SCOPE:
        if len(getattr(analysis.scope, field_name)) > 1 and "compare" in reading.signals.flags:
            return column
    return None


def _default_function(reading: Reading, metrics: list[str]) -> str:
    """DOMAIN.md: a group's figure is its aggregate (ratio of sums), the mean only when asked."""
    if all(m in GROUP_FIGURES for m in metrics):
        if any(m in RATIO_METRICS for m in metrics):
            reading.notes.append(
                "group figures are aggregates (ratios of sums; occupancy weighted by square "
                "feet), not averages of the properties' values"
            )
        return "aggregate"
    reading.notes.append("aggregated with the average per group")
    return "mean"


def _rank_aggregate(reading: Reading, analysis: RequirementAnalysis, metric: str) -> None:
    if reading.signals.ranks:
        base = metric.removesuffix("_share")
        descending = _descending(reading, base if base in METRICS else "noi")
        analysis.ranking = Ranking(metric=metric, descending=descending, limit=_limit(reading))


def _count(reading: Reading, analysis: RequirementAnalysis) -> None:
    analysis.aggregation = Aggregation(function="count", metrics=[], group_by=None)


# --- scenarios, comparisons, trends ---------------------------------------------------------


def _scenario(reading: Reading, analysis: RequirementAnalysis) -> None:
    analysis.scenarios = build_scenarios(
        reading.quantities.noi_shocks, reading.quantities.rate_shocks, reading.notes
    )
    _ensure(analysis, "dscr", first=True)
    analysis.at_risk = True
    analysis.lists_properties = reading.signals.item_noun and reading.signals.asks_which
    group_by = reading.signals.group_by
    if group_by is not None:  # "NOI -15%: DSCR by property type"
        if group_by != "property_type":
            _reject(
                "Scenario figures can be grouped by property type; a scenario by "
                f"{group_by.replace('_', ' ')} is not supported yet.",
                ["NOI -15%: DSCR by property type", "NOI -15% for the Dallas market"],
            )
        analysis.aggregation = Aggregation(
            function="aggregate", metrics=["dscr"], group_by=group_by
        )


def build_scenarios(noi: list[float], rates: list[float], notes: list[str]) -> list[Scenario]:
    """One scenario per shock; NOI and rate shocks asked together are combined pairwise."""
    noi, rates = list(dict.fromkeys(noi)), list(dict.fromkeys(rates))
    if noi and rates:
        notes.append("NOI and rate shocks are combined: every NOI shock with every rate shock")
        pairs = [(n, r) for n in noi for r in rates]
    else:
        pairs = [(n, 0.0) for n in noi] + [(0.0, r) for r in rates]
    return [Scenario(name=_scenario_name(n, r), noi_shock_pct=n, rate_shock_bp=r) for n, r in pairs]


def _scenario_name(noi: float, rate: float) -> str:
    parts = []
    if noi:
        parts.append(f"noi_{'down' if noi > 0 else 'up'}_{_number(abs(noi))}")
    if rate:
        parts.append(f"rates_{'up' if rate > 0 else 'down'}_{_number(abs(rate))}bp")
    return "_".join(parts)


def _number(value: float) -> str:
    return f"{value:g}".replace(".", "_")


def _comparison(reading: Reading, analysis: RequirementAnalysis) -> None:
    peers = analysis.properties[1:]
    target = reading.directory.get(analysis.properties[0].property_id)
    other = [t for t in analysis.scope.property_types if target and t != target.property_type]
    if analysis.filters or analysis.at_risk or analysis.scope.has_debt is not None or other:
        _reject(
            "A peer comparison picks the most similar properties of the target's own type; it "
            "takes no filters, no other property type and no debt condition. Name the peers, "
            "or ask for the filtered list separately.",
            [f"Compare {analysis.properties[0].name} with its 5 closest peers"],
        )
    count = reading.quantities.peer_count
    if count is None:
        count = len(peers) or DEFAULT_PEERS
        if not peers:
            reading.notes.append(
                f"compared with the {DEFAULT_PEERS} most similar properties (default)"
            )
    if not peers and target is not None:
        same = len(reading.directory.where(property_type=[target.property_type])) - 1
        if same < count:  # "vs 4 comps" with 3 other hotels: say so rather than show 3 as 4
            reading.notes.append(
                f"only {same} other {target.property_type} propert{'y' if same == 1 else 'ies'} "
                f"in the portfolio: all {same} compared (asked for {count})"
            )
            count = same
    if count < 1:
        _reject(
            f"{analysis.properties[0].name} has no other property of its type to compare with; "
            "name the properties to compare it with.",
            [f"Compare {analysis.properties[0].name} with Alder Plaza"],
        )
    analysis.peer_count = count
    odd = [m for m in analysis.metrics if m not in COMPARISON_METRICS]
    if odd:
        _reject(
            f"A peer comparison covers {', '.join(_label(m) for m in COMPARISON_METRICS)}; "
            f"{_label(odd[0])} is not one of them. Ask for it as a list of the properties.",
            [f"Compare {analysis.properties[0].name} with its 5 closest peers"],
        )
    if not analysis.metrics:
        analysis.metrics = list(COMPARISON_METRICS)


def _trend(reading: Reading, analysis: RequirementAnalysis) -> None:
    if not analysis.metrics:
        analysis.metrics = ["noi"]
        reading.notes.append("trend of NOI (no metric named)")
    monthly = [m for m in analysis.metrics if m in METRICS and METRICS[m].monthly_column]
    missing = [m for m in analysis.metrics if m not in monthly]
    if missing:
        names = [METRICS[m].label for m in METRICS if METRICS[m].monthly_column]
        _reject(
            f"{_label(missing[0])} has no monthly series to trend; monthly trends exist for "
            f"{', '.join(names)}.",
            [f"{name} trend over the last 12 months" for name in names[:3]],
        )
    if analysis.filters or analysis.at_risk or analysis.scope.has_debt is not None:
        _reject(
            "A trend is shown for a property, a property type, a market, a city or a state, "
            "not for a filtered selection.",
            ["NOI trend for retail over the last 12 months"],
        )
    if not analysis.properties and any(not METRICS[m].portfolio_monthly for m in monthly):
        _reject(f"{_label(monthly[0])} is only available per property; name a property.")
    analysis.trend_months = reading.quantities.months
    if analysis.trend_months is None:
        reading.notes.append("over all available months (no period named)")


def _outliers(reading: Reading, analysis: RequirementAnalysis) -> None:
    if not analysis.metrics:
        _reject(
            "Outliers in which metric? e.g. 'flag outliers in opex ratio'.",
            ["flag outliers in expense ratio", "cap rate outliers", "occupancy outliers (z-score)"],
        )
    zscore = "zscore" in reading.signals.flags
    analysis.outlier_method = "zscore" if zscore else "iqr"
    analysis.outlier_threshold = reading.quantities.outlier_threshold
    if analysis.outlier_threshold is None:
        rule = "z-score above 3" if zscore else "IQR rule, 1.5 x IQR beyond the quartiles"
        reading.notes.append(f"outliers by the {rule}")


def _correlation(reading: Reading, analysis: RequirementAnalysis) -> None:
    if len(analysis.metrics) < 2:
        named = analysis.metrics
        analysis.metrics = named + [m for m in CORRELATION_METRICS if m not in named]
        reading.notes.append("correlated against the main metrics: " + ", ".join(analysis.metrics))
    flags = reading.signals.flags
    method = "spearman" if "spearman" in flags else "kendall" if "kendall" in flags else "pearson"
    analysis.correlation_method = cast(Any, method)


def _report(reading: Reading, analysis: RequirementAnalysis) -> None:
    if analysis.filters or analysis.scope.has_debt is not None:
        _reject(
            "The executive report covers a whole type, market, state or the portfolio; it takes "
            "no filters. Ask for the filtered list separately.",
            ["Generate monthly performance report for executive team"],
        )
    if "at_risk" in reading.signals.flags:
        reading.notes.append(
            "the executive report covers the whole selection; at-risk properties are flagged inside it"
        )


def _loans(reading: Reading, analysis: RequirementAnalysis) -> None:
    """'which loans mature in 2027', 'interest-only loans', 'balance coming due by lender'."""
    flags, window = reading.signals.flags, reading.quantities.maturity
    balances = [f for f in analysis.filters if f.metric == "loan_balance"]
    others = [f for f in analysis.filters if f.metric != "loan_balance"]
    if others or analysis.at_risk or analysis.properties and len(analysis.properties) > 3:
        _reject(
            "Loan questions take a maturity window, interest-only, lenders and a scope (type, "
            "market, state, property); thresholds on property metrics are asked separately.",
            ["which loans mature before 2028", "interest-only loans by lender"],
        )
    if "maturity" in flags and not window:
        reading.notes.append("every loan, soonest maturity first (no maturity window named)")
    by_lender = "lender" in flags
    analysis.loans = LoanQuery(
        maturing_from=cast(Any, window.get("from")),
        maturing_before=cast(Any, window.get("before")),
        within_months=cast(Any, window.get("within_months")),
        year_offset=cast(Any, window.get("year_offset")),
        interest_only=True if "interest_only" in flags else None,
        group_by_lender=by_lender,
        balances=balances,
    )
    analysis.filters = []
    if balances:
        reading.notes.append("a balance condition in a loan question is on each loan's balance")
    if window.get("year_offset") is not None or window.get("within_months") is not None:
        reading.notes.append(
            "'next year' and 'within N months' count from the end of the data's latest month"
        )
    counted = "count" in reading.signals.aggregations or "loan_count" in analysis.metrics
    analysis.metrics = ["loan_balance"] + (["loan_count"] if counted else [])
    if reading.signals.ranks:  # "biggest 5 loans": by current balance
        analysis.ranking = Ranking(
            metric="loan_balance",
            descending=_descending(reading, "loan_balance"),
            limit=_limit(reading),
        )


def _plain(reading: Reading, analysis: RequirementAnalysis) -> None:
    if analysis.at_risk:
        _ensure(analysis, "dscr", first=True)
