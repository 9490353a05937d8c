"""One-sentence goals for analyses and plans ("Top 10 properties by T12 NOI, highest first")."""

from __future__ import annotations

from typing import Any

from meta_agent.planning.models import Aggregation, MetricFilter, RequirementAnalysis, Scope
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
    "aggregate": "Aggregate",
    "share": "Share of",
    "yoy": "Year-over-year change of",
    "mom": "Month-over-month change of",
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
_GROUPS = {
    "property_type": "property type",
    "market": "market",
    "state": "state",
    "city": "city",
    "name": "property",
}


def label(metric: str) -> str:
    """How a metric is written in sentences."""
    if metric == "property_count":
        return "number of properties"
    return METRICS[metric].label if metric in METRICS else metric.replace("_", " ")


def labels(metrics: list[str]) -> str:
    names = [label(m) for m in metrics]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def format_value(metric: str, value: float) -> str:
    if metric == "property_count":
        return f"{value:g}"
    unit = METRICS[metric].unit if metric in METRICS else "multiple"
    if unit == "fraction":
        return f"{value * 100:g}%"
    if unit == "usd":
        return f"${value:,.0f}"
    if unit == "multiple":
        return f"{value:g}x"
    return f"{value:g}"


def describe_filter(item: MetricFilter, verb: bool = False) -> str:
    """'DSCR below 1.2x'; with verb, 'DSCR is below 1.2x'."""
    op = f"is {_OPS[item.op]}" if verb and item.op != "!=" else _OPS[item.op]
    return f"{label(item.metric)} {op} {format_value(item.metric, item.value)}"


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


def _loans_goal(a: RequirementAnalysis, scope: str) -> str:
    return f"Loans of {scope}"


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
    "loans": _loans_goal,
}


# --- the restatement ------------------------------------------------------------------------

_AGGREGATE_DEFINITIONS = {
    "dscr": "aggregate DSCR (sum of T12 NOI / sum of annual debt service, over the properties "
    "with debt)",
    "cap_rate": "aggregate cap rate (sum of T12 NOI / sum of latest valuations)",
    "ltv": "aggregate LTV (sum of loan balances / sum of latest valuations)",
    "debt_yield": "aggregate debt yield (sum of T12 NOI / sum of loan balances, over the "
    "properties with debt)",
    "occupancy": "occupancy weighted by square feet",
    "expense_ratio": "aggregate expense ratio (sum of operating expenses / sum of EGI)",
}
_OUTPUT_NAMES = {"csv": "CSV", "excel": "Excel", "pdf": "PDF", "chart": "a chart"}


def _name(directory: PortfolioDirectory, property_id: str) -> str:
    entry = directory.get(property_id)
    return entry.name if entry is not None else property_id


def _subject(scope: Scope, directory: PortfolioDirectory, plural: bool = True) -> str:
    """'every retail property in Orlando, FL', 'Orlando Fashion Square', 'the whole portfolio'."""
    if scope.property_ids:
        return describe_scope(scope, directory)
    out = scope.excluded
    types = [] if "property_types" in out else scope.property_types
    kinds = " and ".join(TYPE_LABELS.get(t, t) for t in types)
    text = f"every {kinds} property" if kinds else "every property"
    places = [v for f in ("markets", "cities", "states") if f not in out for v in getattr(scope, f)]
    if not plural:
        text = f"the {kinds} properties" if kinds else "the whole portfolio"
        if not kinds and (places or out):
            text = "the properties"
    if places:
        text += " in " + " or ".join(places)
    left_out = [
        _name(directory, v) if field == "property_ids" else TYPE_LABELS.get(v, v)
        for field, values in out.items()
        for v in values
    ]
    if left_out:
        text += " (excluding " + " and ".join(left_out) + ")"
    if scope.has_debt is False:
        text += " without debt"
    elif scope.has_debt:
        text += " with debt"
    return text


def _conditions(a: RequirementAnalysis) -> str:
    said = []
    for f in a.filters:
        said.append(f"whose {label(f.metric)} is {_OPS[f.op]} {format_value(f.metric, f.value)}")
    return " and ".join(said)


def _debt_note(a: RequirementAnalysis, metrics: list[str]) -> str:
    needs_debt = {"dscr", "debt_yield"} & ({f.metric for f in a.filters} | set(metrics))
    if not needs_debt or a.scope.has_debt is not None:
        return ""
    if any(f.metric in ("dscr", "debt_yield") for f in a.filters):
        return "properties without debt excluded"
    return "properties without debt shown as 'no debt'"


def restate(a: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    """The analysis in plain words, generated from its fields only (never from parser notes), so
    that a misreading shows at a glance."""
    parts = [_RESTATE.get(a.intent, _restate_goal)(a, directory)]
    if a.not_at_risk:
        parts.append(
            f"the properties not at risk listed: DSCR at or above {a.threshold:g}x, or no debt "
            "(properties without debt are never at risk)"
        )
    elif a.at_risk and a.intent not in ("scenario", "report", "aggregation"):
        parts.append(
            f"at risk = DSCR below {a.threshold:g}x, flagged (properties without debt never are)"
        )
    metrics = a.metrics if a.intent in ("metrics", "ranking", "count") else []
    note = _debt_note(a, metrics)
    if note:
        parts.append(note)
    files = [_OUTPUT_NAMES[o] for o in a.outputs if o in ("csv", "excel", "pdf")]
    if files:
        parts.append("written to " + " and ".join(files))
    if "chart" in a.outputs and a.intent != "report":
        parts.append("with a chart")
    for match in a.properties:
        if not match.exact:  # a typo or an abbreviation was read as a name: say so
            parts.append(f"'{match.text}' read as {match.name}")
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:]


def _restate_goal(a: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    return describe_goal(a, directory)


def _restate_metrics(a: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    what = labels(a.metrics) if a.metrics else "the details"
    conditions = _conditions(a)
    return f"{what} of {_subject(a.scope, directory)}" + (f" {conditions}" if conditions else "")


def _restate_ranking(a: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    r = a.ranking
    if r is None:
        return _restate_metrics(a, directory)
    order = "highest" if r.descending else "lowest"
    conditions = _conditions(a)
    subject = _subject(a.scope, directory) + (f" {conditions}" if conditions else "")
    subject = subject.removeprefix("every ")
    if r.fraction:
        head = f"the {'top' if r.descending else 'bottom'} {r.fraction:.0%} ({r.limit} properties)"
        text = f"{head} of {subject.replace('property', 'properties', 1)} by {label(r.metric)}"
    elif r.within:
        group = _GROUPS.get(r.within, r.within)
        if r.limit == 1:
            text = f"the one {subject} with the {order} {label(r.metric)} in each {group}"
        elif r.limit:
            many = subject.replace("property", "properties", 1)
            text = f"the {r.limit} {many} with the {order} {label(r.metric)} in each {group}"
        else:
            text = f"every {subject} ranked by {label(r.metric)} within each {group}"
        text += f", {group} by {group}"
    elif r.limit == 1:
        text = f"the one {subject} with the {order} {label(r.metric)}"
    elif r.limit:
        text = f"the {r.limit} {subject.replace('property', 'properties', 1)} with the {order} {label(r.metric)}"
    else:
        text = f"every {subject} ranked by {label(r.metric)}"
    text += f", {order} first"
    if r.metric in ("dscr", "debt_yield"):
        text += "; properties without debt last"
    others = [m for m in a.metrics if m != r.metric]
    if others:
        text += f"; with {labels(others)}"
    return text


def _group_phrase(group_by: str | None) -> str:
    return (
        f" by {_GROUPS.get(group_by, group_by)}, one row per {_GROUPS.get(group_by, group_by)}"
        if group_by
        else ""
    )


def _having(agg: Aggregation) -> str:
    """', keeping only the markets whose aggregate DSCR is below 1.4x'."""
    if not agg.having:
        return ""
    word = {"aggregate": "aggregate", "mean": "average", "sum": "total"}.get(
        agg.function, agg.function
    )

    def qualified(h: MetricFilter) -> str:
        if h.metric == "property_count" or agg.function == "count":
            return describe_filter(h, verb=True)
        shown = "weighted" if word == "aggregate" and h.metric == "occupancy" else word
        return f"{shown} {describe_filter(h, verb=True)}"

    group_word = _GROUPS.get(agg.group_by or "", agg.group_by or "group")
    return f", keeping only the {_plural(group_word)} whose " + " and ".join(
        qualified(h) for h in agg.having
    )


def _plural(noun: str) -> str:
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def _restate_aggregation(a: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    agg = a.aggregation
    if agg is None:
        return _restate_metrics(a, directory)
    scope = _subject(a.scope, directory, plural=False)
    conditions = _conditions(a)
    if a.at_risk:  # the figures are of the at-risk properties only
        conditions = " and ".join(
            c for c in (conditions, f"whose DSCR is below {a.threshold:g}x (at risk)") if c
        )
    if conditions:
        scope = f"{'the properties' if scope == 'the whole portfolio' else scope} {conditions}"
    group = _group_phrase(agg.group_by)
    if agg.function == "count":
        text = f"number of properties in {scope}{group}" + _having(agg)
        if a.ranking is not None and agg.group_by:
            text += f", {'most' if a.ranking.descending else 'fewest'} first"
            if a.ranking.limit:
                kept = "the first" if a.ranking.limit == 1 else f"the first {a.ranking.limit}"
                text += f", {kept} kept (with any tied with it)"
        return text
    if agg.function in ("yoy", "mom"):
        definition = (
            "T12 NOI at the latest period / T12 NOI twelve periods earlier - 1"
            if agg.function == "yoy"
            else "NOI of the latest month / NOI of the month before - 1"
        )
        word = "year-over-year" if agg.function == "yoy" else "month-over-month"
        summed = ", sums over each group" if agg.group_by else ""
        if not agg.group_by and len(a.scope.property_ids) != 1:
            summed = ", sums over the properties"
        text = f"{word} NOI change ({definition}{summed}) of {scope}{group}"
        if a.ranking is not None:
            text += f", {'highest' if a.ranking.descending else 'lowest'} first"
        return text
    if agg.function == "share":
        whole = _subject(a.scope, directory, plural=False)
        shown = f", showing {', '.join(agg.keep)}" if agg.keep else ""
        return (
            f"share of {labels(agg.metrics)} by {_GROUPS.get(agg.group_by or '', agg.group_by)} "
            f"(each {_GROUPS.get(agg.group_by or '', 'group')}'s {labels(agg.metrics)} / the "
            f"{labels(agg.metrics)} of {whole}){shown}"
        )
    if agg.function == "aggregate":
        figures = [_AGGREGATE_DEFINITIONS.get(m, f"total {label(m)}") for m in agg.metrics]
        text = f"{'; '.join(figures)} of {scope}{group}"
    else:
        word = {"mean": "average", "sum": "total", "min": "lowest", "max": "highest"}.get(
            agg.function, agg.function
        )
        plain = " (plain mean of the properties' values, properties without a value left out)"
        text = f"{word} {labels(agg.metrics)}{plain if agg.function == 'mean' else ''} of {scope}{group}"
    text += _having(agg)
    if a.ranking is not None and agg.group_by:
        text += f", {'highest' if a.ranking.descending else 'lowest'} first"
        if a.ranking.limit:
            text += f", first {a.ranking.limit} kept (and any tied with the last)"
    return text


def _restate_count(a: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    conditions = _conditions(a)
    subject = _subject(a.scope, directory).removeprefix("every ")
    subject = subject.replace("property", "properties", 1)
    if a.count_share:
        return (
            f"share of the {subject} that are at risk (the at-risk count / the number of "
            f"{subject}, those without debt included)"
        )
    return f"how many {subject}{' ' + conditions if conditions else ''}" + (
        " are at risk" if a.at_risk else ""
    )


def _shock(s: Any) -> str:
    parts = []
    if s.noi_shock_pct:
        parts.append(f"NOI {-s.noi_shock_pct:+g}%")
    if s.rate_shock_bp:
        parts.append(f"rates {s.rate_shock_bp:+g} bp")
    return " with ".join(parts) + (" (combined)" if len(parts) > 1 else "")


def _restate_scenario(a: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    shocks = "; ".join(_shock(s) for s in a.scenarios)
    count = len(a.scenarios)
    return (
        f"DSCR of {_subject(a.scope, directory)} under {count} scenario{'s' if count > 1 else ''}"
        f" ({shocks}), against the base case; per scenario the at-risk count (DSCR below "
        f"{a.threshold:g}x) and the aggregate DSCR (sum of NOI / sum of debt service)"
        + (
            f"; the aggregate DSCR of each {_GROUPS.get(a.aggregation.group_by, '')} per scenario"
            if a.aggregation is not None and a.aggregation.group_by
            else ""
        )
        + ("; the properties at risk in each scenario listed first" if a.lists_properties else "")
    )


def _restate_comparison(a: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    return f"{_comparison_goal(a, '')} on {labels(a.metrics)}"


def _restate_trend(a: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    return (
        _trend_goal(a, _subject(a.scope, directory, plural=False))
        + ", with month-over-month and year-over-year change"
    )


def _restate_loans(a: RequirementAnalysis, directory: PortfolioDirectory) -> str:
    q = a.loans
    if q is None:
        return _restate_goal(a, directory)
    what = "interest-only loans" if q.interest_only else "loans"
    window = []
    if q.maturing_from and q.maturing_before:
        window.append(f"maturing from {q.maturing_from} to before {q.maturing_before}")
    elif q.maturing_from:
        window.append(f"maturing on or after {q.maturing_from}")
    elif q.maturing_before:
        window.append(f"maturing before {q.maturing_before}")
    if q.within_months:
        window.append(f"maturing within {q.within_months} months of the data's latest month")
    if q.year_offset is not None:
        year = "the year after" if q.year_offset == 1 else "the same year as"
        window.append(f"maturing in {year} the data's latest month")
    text = f"{what} of {_subject(a.scope, directory)}"
    window += [f"whose {describe_filter(f, verb=True)}" for f in q.balances]
    if window:
        text += " " + " and ".join(window)
    order = "soonest maturity first"
    if a.ranking is not None:
        order = f"{'largest' if a.ranking.descending else 'smallest'} balance first"
        order += f", the first {a.ranking.limit}" if a.ranking.limit else ""
    text += f", {order}, with lender, balance and property; total balance"
    if "loan_count" in a.metrics:
        text += " and number of loans"
    if q.group_by_lender:
        text += "; total balance and number of loans per lender"
    return text


_RESTATE = {
    "loans": _restate_loans,
    "metrics": _restate_metrics,
    "ranking": _restate_ranking,
    "aggregation": _restate_aggregation,
    "count": _restate_count,
    "scenario": _restate_scenario,
    "comparison": _restate_comparison,
    "trend": _restate_trend,
}
