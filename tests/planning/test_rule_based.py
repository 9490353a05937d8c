"""Plans: only contract tools, valid references, every file listed, the right recipe per intent."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from meta_agent.planning.models import ExecutionPlan, PlanStep
from meta_agent.planning.planner import Planner
from meta_agent.planning.rule_based import RuleBasedPlanner
from meta_agent.tool_library.tool_registry import BUILTIN_MODULES, ToolRegistry

from .test_requirements import CASES

# docs/CONTRACTS.md: the tools a plan may call, with their parameters.
CONTRACT: dict[str, set[str]] = {
    "query_database": {"query", "params"},
    "fetch_property_data": {"property_id"},
    "fetch_financial_data": {"property_id", "metrics", "months"},
    "fetch_portfolio_metrics": {"property_ids", "property_types", "markets", "states", "cities"},
    "fetch_loans": {"property_ids"},
    "fetch_monthly_performance": {"property_ids", "property_types", "markets", "months"},
    "flag_at_risk": {"data", "threshold"},
    "trend_analysis": {"data", "value_column", "period_column", "months"},
    "comparative_analysis": {"property_id", "n", "metrics", "peer_ids"},
    "outlier_detection": {"data", "column", "method", "threshold"},
    "correlation_analysis": {"data", "columns", "method"},
    "scenario_analysis": {"base_case", "scenarios", "loans", "threshold"},
    "scenario_summary": {"results", "threshold"},
    "scenario_pivot": {"results"},
    "transform_data": {"data", "operations"},
    "filter_data": {"data", "conditions"},
    "rank_data": {"data", "by", "descending", "limit", "keep_ties"},
    "aggregate_metrics": {"data", "group_by", "aggregations"},
    "group_figures": {"data", "metrics", "group_by", "statistic"},
    "select_loans": {
        "data",
        "maturing_from",
        "maturing_before",
        "within_months",
        "year_offset",
        "interest_only",
    },
    "summarize_results": {"data", "metrics", "threshold"},
    "export_to_csv": {"data", "filename"},
    "export_to_excel": {"sheets", "filename", "title", "summary", "charts"},
    "export_to_pdf": {"filename", "title", "tables", "key_figures", "charts", "request"},
    "write_results_json": {"summary", "filename"},
    "plot_dscr": {"data", "filename", "threshold"},
    "plot_trend": {"data", "value_columns", "filename", "title", "period_column"},
    "plot_scenarios": {"summary", "filename"},
    "plot_comparison": {"data", "metrics", "filename"},
    "plot_distribution": {"data", "column", "filename", "threshold"},
    "build_executive_report": {"metrics", "monthly", "request", "threshold", "property_monthly"},
}
WRITERS = {
    "export_to_csv",
    "export_to_excel",
    "export_to_pdf",
    "write_results_json",
    "plot_dscr",
    "plot_trend",
    "plot_scenarios",
    "plot_comparison",
    "plot_distribution",
}


def plan_for(planner: RuleBasedPlanner, request: str) -> ExecutionPlan:
    return planner.plan(planner.analyse(request))


def step(plan: ExecutionPlan, tool: str) -> PlanStep:
    return next(s for s in plan.steps if s.tool == tool)


def refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if "$ref" in value else []
        return found + [r for v in value.values() for r in refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in refs(v)]
    return []


def check_plan(plan: ExecutionPlan) -> None:
    seen: set[str] = set()
    for s in plan.steps:
        assert s.tool in CONTRACT, s.tool
        assert set(s.arguments) <= CONTRACT[s.tool], (s.tool, set(s.arguments))
        assert all(r in seen for r in refs(s.arguments)), (s.id, refs(s.arguments))
        assert s.id not in seen and s.description
        seen.add(s.id)
    assert plan.steps[-1].tool == "write_results_json"
    assert "export_to_csv" in plan.tools_used()
    files = {o.filename for o in plan.outputs}
    written = {
        s.arguments["filename"]
        for s in plan.steps
        if s.tool in WRITERS and "filename" in s.arguments
    }
    assert written | {"results.json"} <= files
    assert len(files) == len(plan.outputs)


@pytest.mark.parametrize("request_text", [c[0] for c in CASES], ids=[c[0][:60] for c in CASES])
def test_every_plan_keeps_the_contract(planner: RuleBasedPlanner, request_text: str) -> None:
    check_plan(plan_for(planner, request_text))


def test_the_planner_is_a_planner(planner: RuleBasedPlanner) -> None:
    assert isinstance(planner, Planner)
    assert plan_for(planner, "top 10 assets by NOI").planner == "rule_based"


def test_dscr_and_at_risk_plan(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "Calculate DSCR for all properties and identify at-risk assets")
    assert plan.tools_used()[:4] == [
        "fetch_portfolio_metrics",
        "flag_at_risk",
        "filter_data",
        "transform_data",
    ]
    assert step(plan, "fetch_portfolio_metrics").arguments == {}
    assert step(plan, "flag_at_risk").arguments["threshold"] == 1.25
    columns = step(plan, "transform_data").arguments["operations"][0]["columns"]
    assert columns[:2] == ["property_id", "name"]
    assert {"noi", "debt_service", "dscr", "has_debt", "at_risk"} <= set(columns)
    names = [o.filename for o in plan.outputs]
    assert names == ["dscr_by_property.csv", "at_risk_properties.csv", "results.json"]
    assert [s.id for s in plan.steps[-2:]] == ["summary", "results_file"]


def test_comparison_plan(planner: RuleBasedPlanner) -> None:
    plan = plan_for(
        planner, "Compare Orlando Fashion Square performance against 5 similar properties"
    )
    assert step(plan, "fetch_portfolio_metrics").arguments == {"property_types": ["retail"]}
    args = step(plan, "comparative_analysis").arguments
    assert args == {"property_id": "orlando_fashion_square", "n": 5, "metrics": {"$ref": "metrics"}}
    assert step(plan, "plot_comparison").arguments["data"] == {"$ref": "comparison"}
    assert {"comparison.csv", "comparison.png"} <= {o.filename for o in plan.outputs}


def test_comparison_with_named_peers(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "Orlando Fashion Square vs Tampa Bay Commons and Scottsdale Quarter")
    ids = ["orlando_fashion_square", "tampa_bay_commons", "scottsdale_quarter"]
    assert step(plan, "fetch_portfolio_metrics").arguments == {"property_ids": ids}
    assert step(plan, "comparative_analysis").arguments["peer_ids"] == ids[1:]


def test_noi_scenario_plan(planner: RuleBasedPlanner) -> None:
    plan = plan_for(
        planner, "Run DSCR scenarios with 10%, 20%, 30% NOI decrease for all properties"
    )
    assert "fetch_loans" not in plan.tools_used()
    scenarios = step(plan, "scenario_analysis").arguments["scenarios"]
    assert [(s["noi_shock_pct"], s["rate_shock_bp"]) for s in scenarios] == [
        (10, 0),
        (20, 0),
        (30, 0),
    ]
    assert {"scenario_summary", "scenario_pivot", "plot_scenarios"} <= set(plan.tools_used())
    assert {"scenario_dscr.csv", "scenario_summary.csv", "scenario_comparison.png"} <= {
        o.filename for o in plan.outputs
    }


def test_rate_scenario_plan_fetches_loans(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "+100/+200/+300 bp rate shock on the office portfolio")
    assert step(plan, "fetch_portfolio_metrics").arguments == {"property_types": ["office"]}
    assert step(plan, "scenario_analysis").arguments["loans"] == {"$ref": "loans"}
    assert "fetch_loans" in plan.tools_used()


def test_report_plan(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "Generate monthly performance report for executive team")
    args = step(plan, "build_executive_report").arguments
    assert args["metrics"] == {"$ref": "metrics"} and args["monthly"] == {"$ref": "monthly"}
    assert {"executive_report.pdf", "executive_report.xlsx", "summary.md"} <= {
        o.filename for o in plan.outputs
    }
    assert step(plan, "write_results_json").arguments == {"summary": {"$ref": "report"}}


def test_ranking_plan(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "lowest 3 occupancy in Texas")
    assert step(plan, "fetch_portfolio_metrics").arguments == {"states": ["TX"]}
    assert step(plan, "rank_data").arguments == {
        "data": {"$ref": "metrics"},
        "by": "occupancy",
        "descending": False,
        "limit": 3,
    }


def test_aggregation_plan(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "total NOI by market, biggest first")
    args = step(plan, "group_figures").arguments
    assert args["group_by"] == "market" and args["metrics"] == ["noi"]
    assert args["statistic"] == "aggregate"
    assert step(plan, "rank_data").arguments["descending"] is True
    assert [s.id for s in plan.steps[:3]] == ["metrics", "by_market", "ranked"]


def test_count_plan(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "how many hotels do we own")
    assert step(plan, "fetch_portfolio_metrics").arguments == {"property_types": ["hotel"]}
    assert step(plan, "aggregate_metrics").arguments["aggregations"] == {"property_id": "count"}


def test_filters_become_filter_data_conditions(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "industrial warehouses in texas with cap rate above 6%")
    assert step(plan, "fetch_portfolio_metrics").arguments == {
        "property_types": ["industrial"],
        "states": ["TX"],
    }
    conditions = step(plan, "filter_data").arguments["conditions"]
    assert conditions == [{"column": "cap_rate", "op": ">", "value": pytest.approx(0.06)}]


def test_no_debt_list(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "properties without any debt")
    conditions = step(plan, "filter_data").arguments["conditions"]
    assert conditions == [{"column": "has_debt", "op": "==", "value": False}]


def test_property_trend_plan(planner: RuleBasedPlanner) -> None:
    plan = plan_for(
        planner, "NOI trend for Orlando Fashion Square over the last 12 months, with a chart"
    )
    # a year more than shown, so that every month shown has its year-over-year change
    assert step(plan, "fetch_financial_data").arguments == {
        "property_id": "orlando_fashion_square",
        "metrics": ["noi"],
        "months": 24,
    }
    assert step(plan, "trend_analysis").arguments["value_column"] == "noi"
    assert step(plan, "trend_analysis").arguments["months"] == 12
    assert step(plan, "plot_trend").arguments["value_columns"] == ["noi"]
    assert step(plan, "plot_trend").arguments["data"] == {"$ref": "trend_table"}
    assert step(plan, "write_results_json").arguments == {"summary": {"$ref": "trend"}}


def test_state_trend_uses_the_property_ids_of_that_state(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "occupancy trend in Georgia")
    args = step(plan, "fetch_monthly_performance").arguments
    assert args["property_ids"] == [
        "buckhead_grand_hotel",
        "midtown_lofts",
        "peachtree_corners_flex",
    ]


def test_outlier_and_correlation_plans(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "flag outliers in opex ratio across the portfolio")
    assert step(plan, "outlier_detection").arguments["column"] == "expense_ratio"
    assert step(plan, "outlier_detection").arguments["method"] == "iqr"
    plan = plan_for(planner, "correlation between occupancy and NOI")
    assert step(plan, "correlation_analysis").arguments["columns"] == ["occupancy", "noi"]


def test_excel_pdf_and_chart_when_asked(planner: RuleBasedPlanner) -> None:
    plan = plan_for(planner, "DSCR by property, export to excel and pdf with a chart")
    assert {"export_to_excel", "export_to_pdf", "plot_dscr"} <= set(plan.tools_used())
    pdf = step(plan, "export_to_pdf").arguments
    assert pdf["charts"] == [{"$ref": "dscr_chart"}] and pdf["key_figures"] == {"$ref": "summary"}
    kinds = {o.kind for o in plan.outputs}
    assert {"csv", "excel", "pdf", "chart", "json"} <= kinds


def test_plans_do_not_change_the_analysis(planner: RuleBasedPlanner) -> None:
    analysis = planner.analyse("Generate monthly performance report for executive team")
    before = analysis.model_dump()
    planner.plan(analysis)
    assert analysis.model_dump() == before


def _registry() -> ToolRegistry:
    registry = ToolRegistry()
    for name in BUILTIN_MODULES:
        try:
            registry.register_module(importlib.import_module(name))
        except ModuleNotFoundError:
            continue  # a family still being written; CONTRACT above covers it
    return registry


def test_registered_tools_accept_the_planned_arguments(planner: RuleBasedPlanner) -> None:
    registry = _registry()
    for request, _ in CASES:
        for s in plan_for(planner, request).steps:
            if s.tool in registry:
                accepted = set(registry.get(s.tool).parameters.get("properties", {}))
                assert set(s.arguments) <= accepted, (request, s.tool)
