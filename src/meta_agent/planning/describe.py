"""One-sentence goals for analyses and plans ("Top 10 properties by T12 NOI, highest first")."""

from __future__ import annotations

from meta_agent.planning.models import MetricFilter, RequirementAnalysis, Scope
from meta_agent.planning.resolve import PortfolioDirectory
from meta_agent.planning.vocabulary import METRICS, TYPE_LABELS

_OPS = {
    "<": "below",
    "<=": "at most",
    ">": "above",
    ">=": "at least",
    "==": "equal to",
    "!=": "not",
}
_FUNCTIONS = {
    "mean": "Average",
    "median": "Median",
    "sum": "Total",
    "count": "Number of properties",
    "min": "Lowest",
    "max": "Highest",
}
MONTHLY_LABELS = {
    "noi": "NOI",
    "egi": "effective gross income",
    "operating_expenses": "operating expenses",
}
_GROUPS = {"property_type": "property type", "market": "market", "state": "state", "city": "city"}


def label(metric: str) -> str:
    """How a metric is written in sentences."""
    return METRICS[metric].label if metric in METRICS else metric.replace("_", " ")


def labels(metrics: list[str]) -> str:
    names = [label(m) for m in metrics]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def format_value(metric: str, value: float) -> str:
    unit = METRICS[metric].unit if metric in METRICS else "multiple"
    if unit == "fraction":
        return f"{value * 100:g}%"
    if unit == "usd":
        return f"${value:,.0f}"
    if unit == "multiple":
        return f"{value:g}x"
    return f"{value:g}"


def describe_filter(item: MetricFilter) -> str:
    return f"{label(item.metric)} {_OPS[item.op]} {format_value(item.metric, item.value)}"


def describe_scope(scope: Scope, directory: PortfolioDirectory) -> str:
    """'all properties', 'retail properties in FL', 'Orlando Fashion Square'."""
    if scope.property_ids:
        names = [directory.by_id[p].name if p in directory.by_id else p for p in scope.property_ids]
        return ", ".join(names)
    kinds = " and ".join(TYPE_LABELS.get(t, t) for t in scope.property_types)
    text = f"{kinds} properties" if kinds else "all properties"
    places = [*scope.markets, *scope.cities, *scope.states]
    if places:
        text += " in " + ", ".join(places)
    if scope.has_debt is False:
        text += " without debt"
    elif scope.has_debt:
        text += " with debt"
    return text


def describe_goal(analysis: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    """The analysis in one sentence."""
    scope = describe_scope(analysis.scope, directory)
    goal = _GOALS[analysis.intent](analysis, scope)
    conditions = [describe_filter(f) for f in analysis.filters]
    if analysis.at_risk and analysis.intent not in ("scenario", "report"):
        conditions.append(f"at risk = DSCR below {analysis.threshold:g}x")
    if conditions and analysis.intent not in ("report",):
        goal += " (" + "; ".join(conditions) + ")"
    return goal


def _metrics_goal(a: RequirementAnalysis, scope: str) -> str:
    if a.at_risk and a.metrics[:1] == ["dscr"]:
        return f"DSCR for {scope}, flagging at-risk properties"
    return f"{labels(a.metrics)} for {scope}" if a.metrics else f"Properties: {scope}"


def _ranking_goal(a: RequirementAnalysis, scope: str) -> str:
    r = a.ranking
    if r is None:
        return _metrics_goal(a, scope)
    order = "highest first" if r.descending else "lowest first"
    if r.limit == 1:
        return f"The property with the {'highest' if r.descending else 'lowest'} {label(r.metric)} among {scope}"
    if r.limit:
        head = f"{'Top' if r.descending else 'Bottom'} {r.limit} of {scope}"
    else:
        head = scope[:1].upper() + scope[1:]
    return f"{head} by {label(r.metric)}, {order}"


def _aggregation_goal(a: RequirementAnalysis, scope: str) -> str:
    agg = a.aggregation
    if agg is None:
        return _metrics_goal(a, scope)
    what = _FUNCTIONS[agg.function]
    if agg.metrics:
        what += " " + labels(agg.metrics)
    group = f" by {_GROUPS.get(agg.group_by, agg.group_by)}" if agg.group_by else ""
    return f"{what}{group} for {scope}"


def _scenario_goal(a: RequirementAnalysis, scope: str) -> str:
    names = ", ".join(s.name.replace("_", " ") for s in a.scenarios)
    return f"DSCR of {scope} under {len(a.scenarios)} stress scenario(s): {names}"


def _comparison_goal(a: RequirementAnalysis, scope: str) -> str:
    target = a.properties[0].name if a.properties else scope
    peers = [p.name for p in a.properties[1:]]
    against = ", ".join(peers) if peers else f"its {a.peer_count} most similar properties"
    return f"Compare {target} with {against}"


def _trend_goal(a: RequirementAnalysis, scope: str) -> str:
    period = f" over the last {a.trend_months} months" if a.trend_months else ""
    names = [MONTHLY_LABELS.get(m, label(m)) for m in a.metrics]
    what = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Monthly {what} trend for {scope}{period}"


def _outliers_goal(a: RequirementAnalysis, scope: str) -> str:
    method = "z-score" if a.outlier_method == "zscore" else "IQR"
    return f"Outliers in {labels(a.metrics)} across {scope} ({method} method)"


def _correlation_goal(a: RequirementAnalysis, scope: str) -> str:
    return f"Correlation ({a.correlation_method}) between {labels(a.metrics)} across {scope}"


def _count_goal(a: RequirementAnalysis, scope: str) -> str:
    return f"Count of {scope}"


def _report_goal(a: RequirementAnalysis, scope: str) -> str:
    return f"Monthly executive performance report for {scope}"


_GOALS = {
    "metrics": _metrics_goal,
    "ranking": _ranking_goal,
    "aggregation": _aggregation_goal,
    "count": _count_goal,
    "scenario": _scenario_goal,
    "comparison": _comparison_goal,
    "trend": _trend_goal,
    "outliers": _outliers_goal,
    "correlation": _correlation_goal,
    "report": _report_goal,
}
