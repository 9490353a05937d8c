"""Plans for analyses: stress scenarios, peer comparisons, trends, outliers, correlations and the
executive report."""

from __future__ import annotations

import re

from meta_agent.planning.describe import describe_scope, label, labels
from meta_agent.planning.intents import COMPARISON_METRICS
from meta_agent.planning.models import ExecutionPlan, OutputKind
from meta_agent.planning.plan_steps import PlanBuilder, ref
from meta_agent.planning.table_recipes import select_properties
from meta_agent.planning.vocabulary import METRICS

RECENT_NOI_QUERY = (
    "SELECT property_id, period, noi FROM financials WHERE period >= (SELECT MIN(period) FROM "
    "(SELECT DISTINCT period FROM financials ORDER BY period DESC LIMIT 13) AS recent) "
    "ORDER BY property_id, period"
)


# --- scenarios and comparisons --------------------------------------------------------------


def plan_scenario(b: PlanBuilder) -> ExecutionPlan:
    a = b.analysis
    shown, _ = b.select_rows(b.fetch_metrics(), flag=False)
    rates = any(s.rate_shock_bp for s in a.scenarios)
    loans = None
    if rates:
        loans = b.call(
            "loans",
            "fetch_loans",
            "Fetch the loans, to recompute debt service at shocked rates",
            property_ids=a.scope.property_ids or None,
        )
    scenarios = [s.model_dump() for s in a.scenarios]
    names = ", ".join(s.name.replace("_", " ") for s in a.scenarios)
    b.call(
        "scenarios",
        "scenario_analysis",
        f"Run the stress scenarios ({names}) on every property",
        base_case=ref(shown),
        scenarios=scenarios,
        loans=ref(loans) if loans else None,
        threshold=a.threshold,
    )
    b.call(
        "scenario_totals",
        "scenario_summary",
        "Count at-risk properties per scenario",
        results=ref("scenarios"),
        threshold=a.threshold,
    )
    b.call(
        "scenario_dscr",
        "scenario_pivot",
        "Put each scenario's DSCR side by side per property",
        results=ref("scenarios"),
    )
    b.chart(
        "scenario_chart",
        "plot_scenarios",
        "scenario_comparison.png",
        "scenario comparison chart",
        summary=ref("scenario_totals"),
    )
    if a.aggregation is not None and a.aggregation.group_by:
        _scenario_groups(b, a.aggregation.group_by)
    b.csv("scenario_dscr", "scenario_dscr.csv", "DSCR per property and scenario")
    b.csv("scenario_totals", "scenario_summary.csv", "At-risk count per scenario")
    b.call(
        "scenario_at_risk",
        "filter_data",
        f"List the properties with DSCR below {a.threshold:g} in each scenario",
        data=ref("scenarios"),
        conditions=[{"column": "at_risk", "op": "==", "value": True}],
    )
    b.call(
        "scenario_at_risk_table",
        "transform_data",
        "Keep the scenario, the property and its DSCR first, then NOI and debt service",
        data=ref("scenario_at_risk"),
        operations=[
            {
                "op": "select",
                "columns": [
                    "scenario",
                    "property_id",
                    "name",
                    "property_type",
                    "dscr",
                    "noi",
                    "debt_service",
                    "noi_shock_pct",
                    "rate_shock_bp",
                ],
            }
        ],
    )
    b.csv(
        "scenario_at_risk_table",
        "scenario_at_risk.csv",
        "Properties at risk in each scenario",
        headline=a.lists_properties,
    )
    b.csv("scenarios", "scenario_results.csv", "Scenario results")
    summary = b.summarise("scenarios", ["noi", "debt_service", "dscr"], a.threshold)
    return b.finish("scenarios", summary)


def _scenario_groups(b: PlanBuilder, group_by: str) -> None:
    """Each group's aggregate DSCR under each scenario: sums over its properties with debt."""
    b.call(
        "scenario_levered",
        "filter_data",
        "Keep the properties with debt (aggregate DSCR is over them)",
        data=ref("scenarios"),
        conditions=[{"column": "debt_service", "op": ">", "value": 0}],
    )
    b.call(
        "scenario_sums",
        "aggregate_metrics",
        f"Sum NOI and debt service per scenario and {group_by.replace('_', ' ')}",
        data=ref("scenario_levered"),
        group_by=["scenario", group_by],
        aggregations={"noi": "sum", "debt_service": "sum", "property_id": "count"},
    )
    b.call(
        "scenario_groups",
        "transform_data",
        "Aggregate DSCR = sum of NOI / sum of debt service",
        data=ref("scenario_sums"),
        operations=[
            {
                "op": "derive",
                "column": "aggregate_dscr",
                "left": "noi",
                "operator": "/",
                "right": "debt_service",
            },
            {"op": "rename", "columns": {"property_count": "properties_with_debt"}},
        ],
    )
    b.csv(
        "scenario_groups",
        f"scenario_dscr_by_{group_by.removeprefix('property_')}.csv",
        f"Aggregate DSCR per scenario and {group_by.replace('_', ' ')}",
        headline=True,
    )


def plan_comparison(b: PlanBuilder) -> ExecutionPlan:
    a = b.analysis
    target, peers = a.properties[0], a.properties[1:]
    if peers:
        ids = [target.property_id, *(p.property_id for p in peers)]
        b.fetch_metrics(property_ids=ids, property_types=None)
    else:
        entry = b.directory.get(target.property_id)
        kind = [entry.property_type] if entry else None
        b.fetch_metrics(property_ids=None, property_types=kind)
        if kind:
            b.notes.append(f"peers are {kind[0].replace('_', '-')} properties, like {target.name}")
    against = (
        ", ".join(p.name for p in peers) if peers else f"its {a.peer_count} most similar properties"
    )
    b.call(
        "comparison",
        "comparative_analysis",
        f"Compare {target.name} with {against}",
        property_id=target.property_id,
        n=a.peer_count,
        metrics=ref("metrics"),
        peer_ids=[p.property_id for p in peers] or None,
    )
    b.chart(
        "comparison_chart",
        "plot_comparison",
        "comparison.png",
        "comparison chart",
        data=ref("comparison"),
        metrics=a.metrics,
    )
    table = "comparison"
    if set(a.metrics) < set(COMPARISON_METRICS):  # "on occupancy and cap rate only"
        table = b.call(
            "compared",
            "transform_data",
            f"Keep {labels(a.metrics)}, the figures asked for",
            data=ref("comparison"),
            operations=[
                {
                    "op": "select",
                    "columns": [
                        "role",
                        "property_id",
                        "name",
                        "property_type",
                        "market",
                        *a.metrics,
                        "similarity_score",
                    ],
                }
            ],
        )
    b.csv(table, "comparison.csv", f"{target.name} against peers")
    summary = b.summarise(table, a.metrics, None)
    return b.finish("comparison", summary)


# --- series ---------------------------------------------------------------------------------


def plan_trend(b: PlanBuilder) -> ExecutionPlan:
    a = b.analysis
    columns = [METRICS[m].monthly_column or m for m in a.metrics]
    # One metric over a window: fetch a year more than shown, so the window's year-over-year
    # changes exist, and report the window itself (monthly values and their growth).
    windowed = a.trend_months is not None and len(columns) == 1
    sources = _monthly_sources(b, columns, extra_months=12 if windowed else 0)
    trends = []
    for suffix, monthly, what in sources:
        for metric, column in zip(a.metrics, columns, strict=True):
            step = "trend" if len(sources) * len(columns) == 1 else f"{metric}_trend{suffix}"
            trends.append(
                b.call(
                    step,
                    "trend_analysis",
                    f"Monthly change and growth of {label(metric)} for {what}",
                    data=ref(monthly),
                    value_column=column,
                    months=a.trend_months if windowed else None,
                )
            )
        name = f"{a.metrics[0]}_trend{suffix}"
        table = monthly
        if windowed:
            table = b.call(
                f"trend_table{suffix}",
                "transform_data",
                f"Name the monthly values {columns[0]}",
                data=ref(trends[-1], "series"),
                operations=[{"op": "rename", "columns": {"value": columns[0]}}],
            )
        b.chart(
            f"trend_chart{suffix}",
            "plot_trend",
            f"{name}.png",
            f"chart of monthly {labels(a.metrics)} for {what}",
            data=ref(table),
            value_columns=columns,
            # a monthly series, not the trailing-twelve-month total the metric's label names
            title=f"Monthly {labels(a.metrics).replace('T12 ', '')}: {what}",
        )
        b.csv(table, f"{name}.csv", f"Monthly {labels(a.metrics)} for {what}")
    summary = trends[0] if len(trends) == 1 else b.summarise(sources[0][1], columns, None)
    return b.finish(f"{a.metrics[0]}_trend", summary)


def _monthly_sources(
    b: PlanBuilder, columns: list[str], extra_months: int = 0
) -> list[tuple[str, str, str]]:
    """(step suffix, monthly step id, what it covers) for each series to trend."""
    a, scope = b.analysis, b.analysis.scope
    months = a.trend_months + extra_months if a.trend_months is not None else None
    if a.properties:
        sources = []
        for index, match in enumerate(a.properties):
            suffix = "" if len(a.properties) == 1 else f"_{_slug(match.property_id, index)}"
            step = b.call(
                f"monthly{suffix}",
                "fetch_financial_data",
                f"Fetch monthly {', '.join(columns)} for {match.name}",
                property_id=match.property_id,
                metrics=columns,
                months=months,
            )
            sources.append((suffix, step, match.name))
        return sources
    ids = None
    if scope.states or scope.cities:
        entries = b.directory.where(
            state=scope.states,
            city=scope.cities,
            property_type=scope.property_types,
            market=scope.markets,
        )
        ids = [e.property_id for e in entries]
        b.notes.append(f"{', '.join(scope.states + scope.cities)}: the {len(ids)} properties there")
    what = describe_scope(scope, b.directory)
    step = b.call(
        "monthly",
        "fetch_monthly_performance",
        f"Fetch monthly totals for {what}",
        property_ids=ids,
        property_types=scope.property_types or None,
        markets=scope.markets or None,
        months=months,
    )
    return [("", step, what)]


def _slug(property_id: str, index: int) -> str:
    slug = re.sub(r"[^a-z0-9_]", "_", property_id.lower()).strip("_")
    return slug if slug and slug[0].isalpha() else f"p{index}_{slug}"


def plan_outliers(b: PlanBuilder) -> ExecutionPlan:
    a = b.analysis
    selection = select_properties(b)
    method = a.outlier_method or "iqr"
    first = ""
    for metric in a.metrics:
        step = b.call(
            f"outliers_{metric}",
            "outlier_detection",
            f"Score {label(metric)} for outliers ({'z-score' if method == 'zscore' else 'IQR'})",
            data=ref(selection),
            column=metric,
            method=method,
            threshold=a.outlier_threshold,
        )
        listed = b.call(
            f"{metric}_outlier_list",
            "filter_data",
            f"List the {label(metric)} outliers",
            data=ref(step),
            conditions=[{"column": "is_outlier", "op": "==", "value": True}],
        )
        if "chart" in b.wants:
            b.chart(
                f"{metric}_chart",
                "plot_distribution",
                f"{metric}_distribution.png",
                f"distribution chart of {label(metric)}",
                data=ref(step),
                column=metric,
            )
        b.csv(listed, f"{metric}_outliers.csv", f"{label(metric)} outliers")
        b.csv(step, f"{metric}_outlier_scores.csv", f"{label(metric)} outlier scores")
        first = first or step
    summary = b.summarise(first, [a.metrics[0], "outlier_score"], None)
    return b.finish(f"{a.metrics[0]}_outliers", summary)


def plan_correlation(b: PlanBuilder) -> ExecutionPlan:
    a = b.analysis
    selection = select_properties(b)
    b.call(
        "correlations",
        "correlation_analysis",
        f"Correlate {labels(a.metrics)} ({a.correlation_method or 'pearson'})",
        data=ref(selection),
        columns=a.metrics,
        method=a.correlation_method or "pearson",
    )
    if "chart" in b.wants:
        b.notes.append("no correlation chart tool exists; the matrix is in correlation_matrix.csv")
    b.csv("correlations", "correlation_matrix.csv", "Correlation matrix")
    summary = b.summarise("correlations", a.metrics, None)
    return b.finish("correlation", summary)


# --- the executive report -------------------------------------------------------------------


def plan_report(b: PlanBuilder) -> ExecutionPlan:
    a, scope = b.analysis, b.analysis.scope
    b.fetch_metrics()
    ids = list(scope.property_ids) or None
    if scope.states or scope.cities:
        entries = b.directory.where(
            state=scope.states,
            city=scope.cities,
            property_type=scope.property_types,
            market=scope.markets,
        )
        ids = [e.property_id for e in entries]
    b.call(
        "monthly",
        "fetch_monthly_performance",
        "Fetch the portfolio's monthly totals",
        property_ids=ids,
        property_types=scope.property_types or None,
        markets=scope.markets or None,
    )
    b.call(
        "property_monthly",
        "query_database",
        "Fetch each property's monthly NOI for the last 13 months (for the largest movers)",
        query=RECENT_NOI_QUERY,
    )
    b.call(
        "report",
        "build_executive_report",
        "Build the executive report: PDF, Excel workbook, email summary and charts",
        metrics=ref("metrics"),
        monthly=ref("monthly"),
        request=a.request,
        threshold=a.threshold,
        property_monthly=ref("property_monthly"),
    )
    for filename, kind, title in REPORT_FILES:
        b.expect(filename, kind, title)
    b.csv("metrics", "portfolio_metrics.csv", "Portfolio metrics")
    b.call(
        "results_file",
        "write_results_json",
        "Record the report's key figures in results.json",
        summary=ref("report"),
    )
    b.expect("results.json", "json", "key figures")
    return ExecutionPlan(
        request=a.request,
        goal=a.goal,
        steps=b.steps,
        outputs=b.outputs,
        interpretations=list(dict.fromkeys(a.interpretations + b.notes)),
        restatement=a.restatement,
    )


REPORT_FILES: tuple[tuple[str, OutputKind, str], ...] = (
    ("executive_report.pdf", "pdf", "Executive report"),
    ("executive_report.xlsx", "excel", "Executive report workbook"),
    ("summary.md", "markdown", "Email-ready summary"),
    ("noi_occupancy_trend.png", "chart", "NOI and occupancy trend"),
    ("dscr_by_property.png", "chart", "DSCR by property"),
    ("dscr_distribution.png", "chart", "DSCR distribution"),
)
