"""Plans that answer with property tables: metrics, rankings, aggregations and counts."""

from __future__ import annotations

from meta_agent.planning.describe import describe_filter, label, labels
from meta_agent.planning.models import ExecutionPlan
from meta_agent.planning.plan_steps import PlanBuilder, ref, table_metrics
from meta_agent.planning.vocabulary import METRICS

GROUP_IDS = {
    "property_type": "by_type",
    "market": "by_market",
    "state": "by_state",
    "city": "by_city",
    "name": "by_property",
}


# --- property tables ------------------------------------------------------------------------


def _stem(b: PlanBuilder) -> str:
    a = b.analysis
    if a.at_risk and (not a.metrics or a.metrics[0] == "dscr"):
        return "dscr_by_property"
    if a.metrics:
        return f"{a.metrics[0]}_by_property"
    return "properties_without_debt" if a.scope.has_debt is False else "properties"


def plan_metrics(b: PlanBuilder) -> ExecutionPlan:
    a = b.analysis
    shown, at_risk = b.select_rows(b.fetch_metrics())
    table = b.narrow(shown)
    stem = _stem(b)
    b.metric_chart(table, "dscr" if a.at_risk else (a.metrics or ["dscr"])[0], stem)
    b.csv(
        table, f"{stem}.csv", "Properties" if not a.metrics else f"{labels(a.metrics)} by property"
    )
    if at_risk is not None and a.not_at_risk:
        listed = b.narrow(at_risk, "not_at_risk_table")
        b.csv(listed, "properties_not_at_risk.csv", "Properties not at risk", headline=True)
    elif at_risk is not None:
        worst = b.call(
            "at_risk_worst_first",
            "rank_data",
            "Order the at-risk properties worst first (lowest DSCR)",
            data=ref(at_risk),
            by="dscr",
        )
        listed = b.narrow(worst, "at_risk_table")
        b.csv(listed, "at_risk_properties.csv", "At-risk properties", headline=True)
    summary = b.summarise(
        table, table_metrics(a) if a.metrics else None, a.threshold if a.at_risk else None
    )
    return b.finish(stem, summary)


def select_properties(b: PlanBuilder) -> str:
    """The fetched properties after filters; the at-risk ones when the request is about them."""
    shown, at_risk = b.select_rows(b.fetch_metrics())
    return at_risk or shown


def plan_ranking(b: PlanBuilder) -> ExecutionPlan:
    a = b.analysis
    ranking = a.ranking
    if ranking is None:
        raise ValueError("a ranking analysis needs analysis.ranking")
    order = "highest" if ranking.descending else "lowest"
    kept = f", keep the first {ranking.limit}" if ranking.limit else ""
    if ranking.within:
        kept = f" within each {ranking.within.replace('_', ' ')}{kept}"
    no_debt = ", properties without debt last" if ranking.metric in ("dscr", "debt_yield") else ""
    ranked = b.call(
        "ranked",
        "rank_data",
        f"Rank by {label(ranking.metric)}, {order} first{no_debt}{kept}",
        data=ref(select_properties(b)),
        by=ranking.metric,
        descending=ranking.descending,
        limit=ranking.limit,
        **({"within": ranking.within} if ranking.within else {}),
    )
    table = b.narrow(ranked)
    stem = f"{ranking.metric}_ranking"
    b.metric_chart(table, ranking.metric, stem)
    b.csv(table, f"{stem}.csv", f"Properties ranked by {label(ranking.metric)}")
    summary = b.summarise(table, table_metrics(a), a.threshold if a.at_risk else None)
    return b.finish(stem, summary)


GROUP_STATISTICS = ("aggregate", "mean", "median", "share", "sum")
_STATISTIC_WORDS = {
    "aggregate": "Aggregate",
    "mean": "Average",
    "median": "Median",
    "share": "Share of",
}


def figure_column(statistic: str, metric: str) -> str:
    """The column group_figures gives a metric: aggregate_dscr, average_dscr, noi_share."""
    if statistic == "mean":
        return f"average_{metric}"
    if statistic == "median":
        return f"median_{metric}"
    if statistic == "share":
        return f"{metric}_share"
    if metric == "occupancy":
        return "weighted_occupancy"
    if metric in ("dscr", "cap_rate", "ltv", "debt_yield", "expense_ratio"):
        return f"aggregate_{metric}"
    return metric


# --- aggregations and counts ----------------------------------------------------------------


def plan_aggregation(b: PlanBuilder) -> ExecutionPlan:
    a = b.analysis
    agg = a.aggregation
    if agg is None:
        raise ValueError("an aggregation analysis needs analysis.aggregation")
    selection = select_properties(b)
    step = GROUP_IDS.get(agg.group_by or "", "overall")
    group = f" by {agg.group_by.replace('_', ' ')}" if agg.group_by else " over the selection"
    if agg.function in ("yoy", "mom"):
        columns = ["noi_growth"]
        what = f"{'Year-over-year' if agg.function == 'yoy' else 'Month-over-month'} NOI change"
        result = b.call(
            step,
            "group_noi_change",
            f"{what}{group}",
            data=ref(selection),
            group_by=agg.group_by,
            basis=agg.function,
        )
    elif agg.function in GROUP_STATISTICS and agg.metrics:
        statistic = "aggregate" if agg.function == "sum" else agg.function
        columns = [figure_column(statistic, m) for m in agg.metrics]
        what = f"{_STATISTIC_WORDS[statistic]} {labels(agg.metrics)}"
        result = b.call(
            step,
            "group_figures",
            f"{what}{group} (DOMAIN.md's group figures)",
            data=ref(selection),
            metrics=list(agg.metrics),
            group_by=agg.group_by,
            statistic=statistic,
        )
    else:
        if agg.function == "count" or not agg.metrics:
            aggregations, columns = {"property_id": "count"}, ["property_count"]
        else:
            aggregations, columns = {m: agg.function for m in agg.metrics}, list(agg.metrics)
        what = (
            "Count properties"
            if columns == ["property_count"]
            else f"{agg.function.title()} of {labels(columns)}"
        )
        result = b.call(
            step,
            "aggregate_metrics",
            f"{what}{group}",
            data=ref(selection),
            group_by=agg.group_by,
            aggregations=aggregations,
        )
    if agg.having:
        figures = dict(zip(agg.metrics, columns, strict=False)) | {
            "property_count": "property_count"
        }
        result = b.call(
            "qualifying",
            "filter_data",
            "Keep the groups whose " + " and ".join(describe_filter(h, True) for h in agg.having),
            data=ref(result),
            conditions=[
                {"column": figures[h.metric], "op": h.op, "value": h.value} for h in agg.having
            ],
        )
    if agg.keep and agg.group_by:
        result = b.call(
            "kept",
            "filter_data",
            f"Keep {', '.join(agg.keep)}",
            data=ref(result),
            conditions=[{"column": agg.group_by, "op": "in", "value": list(agg.keep)}],
        )
    if a.ranking is not None:
        by = a.ranking.metric
        if by in agg.metrics and len(columns) == len(agg.metrics):
            by = columns[agg.metrics.index(by)]
        elif by not in columns:
            by = columns[0]
        result = b.call(
            "ranked",
            "rank_data",
            f"Sort by {label(by)}, {'highest' if a.ranking.descending else 'lowest'} first",
            data=ref(result),
            by=by,
            descending=a.ranking.descending,
            limit=a.ranking.limit,
            **({"keep_ties": True} if a.ranking.limit and agg.group_by else {}),
        )
    changes = agg.function in ("yoy", "mom")
    named = ["noi_change"] if changes else columns  # file names kept
    stem = (
        f"{'_'.join(named[:2])}_{step}"
        if agg.group_by
        else f"noi_change_{agg.function}"
        if changes  # of a property, a type or the portfolio: one row
        else f"portfolio_{agg.function}_{(agg.metrics or columns)[0]}"
    )
    charted = agg.metrics[0] if agg.metrics and agg.metrics[0] in METRICS else None
    if "chart" in b.wants and charted:  # the distribution of the properties' values
        b.metric_chart(selection, charted, f"{charted}_distribution")
    b.csv(result, f"{stem}.csv", f"{what}{group}")
    summary = b.summarise(result, columns, None)
    return b.finish(stem, summary)


def plan_count(b: PlanBuilder) -> ExecutionPlan:
    a = b.analysis
    if a.count_share:
        return _plan_at_risk_share(b)
    selection = select_properties(b)
    count = b.call(
        "count",
        "aggregate_metrics",
        "Count the matching properties",
        data=ref(selection),
        group_by=None,
        aggregations={"property_id": "count"},
    )
    b.csv(count, "property_count.csv", "Number of properties")
    b.csv(selection, "matching_properties.csv", "Matching properties")
    summary = b.summarise(
        selection, table_metrics(a) if a.metrics else None, a.threshold if a.at_risk else None
    )
    return b.finish("property_count", summary)


def _plan_at_risk_share(b: PlanBuilder) -> ExecutionPlan:
    """'What percentage of properties are at risk': the at-risk flag's mean over all of them."""
    a = b.analysis
    flagged, at_risk = b.select_rows(b.fetch_metrics())
    share = b.call(
        "share",
        "aggregate_metrics",
        "Count the properties and the share of them at risk",
        data=ref(flagged),
        group_by=None,
        aggregations={"property_id": "count", "at_risk": "mean"},
    )
    b.call(
        "share_table",
        "transform_data",
        "Name the share",
        data=ref(share),
        operations=[{"op": "rename", "columns": {"at_risk": "at_risk_share"}}],
    )
    b.csv("share_table", "at_risk_share.csv", "Share of the properties at risk", headline=True)
    if at_risk is not None:
        b.csv(b.narrow(at_risk, "at_risk_table"), "at_risk_properties.csv", "At-risk properties")
    summary = b.summarise(flagged, table_metrics(a), a.threshold)
    return b.finish("at_risk_share", summary)


# --- loans ----------------------------------------------------------------------------------


# select_loans' columns, in the order a person reads a loan list.
LOAN_COLUMNS = (
    "loan_id",
    "property_id",
    "name",
    "lender",
    "current_balance",
    "maturity_date",
    "months_to_maturity",
    "interest_rate",
    "interest_only",
    "annual_debt_service",
    "original_balance",
    "amortization_months",
    "term_months",
    "origination_date",
)


def plan_loans(b: PlanBuilder) -> ExecutionPlan:
    a, scope = b.analysis, b.analysis.scope
    query = a.loans
    if query is None:
        raise ValueError("a loans analysis needs analysis.loans")
    ids = list(scope.property_ids) or None
    if not ids and not scope.is_whole_portfolio():
        entries = b.directory.where(
            property_type=scope.property_types,
            market=scope.markets,
            state=scope.states,
            city=scope.cities,
        )
        ids = [e.property_id for e in entries]
        b.notes.append(f"the loans of the {len(ids)} properties in scope")
    b.call("loans", "fetch_loans", "Fetch the loans with their properties", property_ids=ids)
    window = [
        f"maturing on or after {query.maturing_from}" if query.maturing_from else "",
        f"maturing before {query.maturing_before}" if query.maturing_before else "",
        f"maturing within {query.within_months} months" if query.within_months else "",
        "maturing next year" if query.year_offset == 1 else "",
        "maturing this year" if query.year_offset == 0 else "",
        "interest-only" if query.interest_only else "",
    ]
    said = ", ".join(w for w in window if w) or "every loan"
    b.call(
        "selected",
        "select_loans",
        f"Keep the loans {said}, soonest maturity first",
        data=ref("loans"),
        maturing_from=query.maturing_from,
        maturing_before=query.maturing_before,
        within_months=query.within_months,
        year_offset=query.year_offset,
        interest_only=query.interest_only,
    )
    table = "selected"
    if query.balances:
        b.call(
            "sized",
            "filter_data",
            "Keep the loans whose "
            + " and ".join(describe_filter(f, True) for f in query.balances),
            data=ref("selected"),
            conditions=[
                {"column": "current_balance", "op": f.op, "value": f.value} for f in query.balances
            ],
        )
        table = "sized"
    if a.ranking is not None:
        r = a.ranking
        b.call(
            "ranked",
            "rank_data",
            f"Sort the loans by balance, {'largest' if r.descending else 'smallest'} first"
            + (f", keep the first {r.limit}" if r.limit else ""),
            data=ref(table),
            by="current_balance",
            descending=r.descending,
            limit=r.limit,
        )
        b.csv("ranked", "loans.csv", "Loans")
        summary = b.summarise("ranked", ["current_balance"], None)
        return b.finish("loans", summary)
    listed = b.call(
        "loan_table",
        "transform_data",
        "Put what a credit team reads first (lender, balance, maturity, rate) first",
        data=ref(table),
        operations=[{"op": "select", "columns": list(LOAN_COLUMNS)}],
    )
    if query.group_by_lender:
        table = b.call(
            "by_lender",
            "aggregate_metrics",
            "Total balance and number of loans per lender",
            data=ref(table),
            group_by="lender",
            aggregations={"current_balance": "sum", "loan_id": "count"},
        )
        b.csv("by_lender", "loans_by_lender.csv", "Loans by lender")
    b.csv(listed, "loans.csv", "Loans")
    summary = b.summarise(listed, ["current_balance"], None)
    return b.finish("loans" if table == listed else "loans_by_lender", summary)
