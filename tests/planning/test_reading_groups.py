"""Group questions: DOMAIN.md's group figures (aggregate unless 'average' is asked), shares,
counts, A versus B, by type / market / state, top / bottom N or N%, deciles and quartiles."""

from __future__ import annotations

from typing import Any

import pytest

from meta_agent.errors import RequestRejected
from meta_agent.planning.rule_based import RuleBasedPlanner

from .reading import Case, check, read

CASES: list[Case] = [
    # The groups are what is asked for: the condition is on each group's figure (HAVING).
    (
        "Which markets have DSCR below 1.4x?",
        {
            "aggregation": ("aggregate", ["dscr"], "market"),
            "having": [("dscr", "<", 1.4)],
            "at_risk": False,
            "filters": [],
            "says": "keeping only the markets whose aggregate DSCR is below 1.4x",
        },
    ),
    (
        "which property types have average occupancy under 90%",
        {
            "aggregation": ("mean", ["occupancy"], "property_type"),
            "having": [("occupancy", "<", 0.9)],
            "filters": [],
            "says": "property types whose average occupancy is below 90%",
        },
    ),
    (
        "which states have total NOI above 10 million",
        {"aggregation": ("sum", ["noi"], "state"), "having": [("noi", ">", 10_000_000)]},
    ),
    (
        "markets with aggregate DSCR under 1.5",
        {"aggregation": ("aggregate", ["dscr"], "market"), "having": [("dscr", "<", 1.5)]},
    ),
    (
        "show markets where the average cap rate exceeds 6%",
        {"aggregation": ("mean", ["cap_rate"], "market"), "having": [("cap_rate", ">", 0.06)]},
    ),
    (
        "which asset classes have a cap rate above 6.5%",
        {
            "aggregation": ("aggregate", ["cap_rate"], "property_type"),
            "having": [("cap_rate", ">", 0.065)],
        },
    ),
    # One change of NOI: of a property, of the portfolio, of a type (a trend needs its word).
    (
        "YoY change in T12 NOI for Orlando Fashion Square",
        {"aggregation": ("yoy", ["noi"], None), "property_ids": ["orlando_fashion_square"]},
    ),
    ("portfolio yoy noi growth", {"aggregation": ("yoy", ["noi"], None)}),
    (
        "NOI growth for office",
        {"aggregation": ("yoy", ["noi"], None), "property_types": ["office"]},
    ),
    ("MoM NOI change for retail", {"aggregation": ("mom", ["noi"], None)}),
    ("monthly NOI growth for office", {"intent": "trend"}),
    ("NOI trend for Orlando Fashion Square over the last 12 months", {"intent": "trend"}),
    # A share of each property, or of one.
    (
        "NOI share of each Florida property",
        {"aggregation": ("share", ["noi"], "name"), "states": ["FL"]},
    ),
    (
        "what share of NOI is orlando fashion square",
        {"aggregation": ("share", ["noi"], "name"), "keep": ["Orlando Fashion Square"]},
    ),
    # A share of the properties that are at risk; a percent sign on its own is a word.
    (
        "what percentage of properties are at risk",
        {"intent": "count", "count_share": True, "at_risk": True, "says": "hare of the properties"},
    ),
    (
        "what % of our office assets are at risk",
        {"count_share": True, "property_types": ["office"]},
    ),
    (
        "% of NOI from office",
        {"aggregation": ("share", ["noi"], "property_type"), "keep": ["office"]},
    ),
    # A number of properties is a condition on the group's count.
    (
        "Which markets have more than 3 properties and an aggregate DSCR below 1.4?",
        {
            "aggregation": ("aggregate", ["dscr"], "market"),
            "having": [("property_count", ">", 3), ("dscr", "<", 1.4)],
            "filters": [],
            "says": "whose number of properties is above 3 and aggregate DSCR is below 1.4x",
        },
    ),
    (
        "which states have fewer than 3 properties",  # 'fewer' is a word, never 'newer'
        {"aggregation": ("count", [], "state"), "having": [("property_count", "<", 3)]},
    ),
    (
        "which states have at least 5 assets",
        {"aggregation": ("count", [], "state"), "having": [("property_count", ">=", 5)]},
    ),
    # Groups ranked by how many properties they hold.
    (
        "which market has the most at-risk properties",
        {
            "aggregation": ("count", [], "market"),
            "at_risk": True,
            "ranking": ("property_count", True, 1),
            "says": "at risk",
        },
    ),
    (
        "which markets have the fewest properties",
        {"aggregation": ("count", [], "market"), "ranking": ("property_count", False, None)},
    ),
    (
        "which state has the most office buildings",
        {
            "aggregation": ("count", [], "state"),
            "property_types": ["office"],
            "ranking": ("property_count", True, 1),
        },
    ),
    # "property types" is plural: its last word says so, not its first ("property").
    (
        "rank property types by average occupancy",
        {
            "aggregation": ("mean", ["occupancy"], "property_type"),
            "ranking": ("occupancy", True, None),
        },
    ),
    (
        "rank the property types by total NOI",
        {"aggregation": ("sum", ["noi"], "property_type"), "ranking": ("noi", True, None)},
    ),
    (
        "which property type has the highest average occupancy",
        {
            "aggregation": ("mean", ["occupancy"], "property_type"),
            "ranking": ("occupancy", True, 1),
        },
    ),
    (
        "which property types have the most at-risk properties",
        {
            "aggregation": ("count", [], "property_type"),
            "at_risk": True,
            "ranking": ("property_count", True, None),
        },
    ),
    # A ranking inside each group.
    (
        "Top 5 properties by NOI in each state",
        {"intent": "ranking", "ranking": ("noi", True, 5), "within": "state"},
    ),
    (
        "Which property has the highest cap rate in each market?",
        {"ranking": ("cap_rate", True, 1), "within": "market", "says": "in each market"},
    ),
    (
        "lowest occupancy office property in each state",
        {
            "ranking": ("occupancy", False, 1),
            "within": "state",
            "property_types": ["office"],
            "says": "one office property with the lowest occupancy in each state",
        },
    ),
    (
        "rank properties by NOI within each market",
        {"within": "market", "ranking": ("noi", True, None)},
    ),
    # ... unless the properties are named: then the condition is on the properties.
    (
        "which markets have properties with DSCR below 1.2",
        {"having": [], "at_risk": True, "threshold": 1.2},
    ),
    (
        "DSCR by market for properties with occupancy above 90%",
        {"having": [], "filters": [("occupancy", ">", 0.9)]},
    ),
    ("portfolio DSCR", {"aggregation": ("aggregate", ["dscr"], None), "says": "Aggregate DSCR"}),
    ("portfolio-level DSCR", {"aggregation": ("aggregate", ["dscr"], None)}),
    ("portfolio cap rate", {"aggregation": ("aggregate", ["cap_rate"], None)}),
    ("aggregate DSCR for the whole portfolio", {"aggregation": ("aggregate", ["dscr"], None)}),
    ("total portfolio LTV", {"aggregation": ("aggregate", ["ltv"], None)}),
    ("what's our portfolio's LTV", {"aggregation": ("aggregate", ["ltv"], None)}),
    ("the LTV of the portfolio", {"aggregation": ("aggregate", ["ltv"], None)}),
    ("debt yield for the whole book", {"aggregation": ("aggregate", ["debt_yield"], None)}),
    ("overall occupancy", {"aggregation": ("aggregate", ["occupancy"], None)}),
    ("weighted average LTV", {"aggregation": ("aggregate", ["ltv"], None)}),
    (
        "what's the wtd avg cap rate for industrial",
        {"aggregation": ("aggregate", ["cap_rate"], None)},
    ),
    (
        "what is the portfolio's weighted average occupancy",
        {"aggregation": ("aggregate", ["occupancy"], None)},
    ),
    (
        "blended cap rate for the office book",
        {"aggregation": ("aggregate", ["cap_rate"], None), "property_types": ["office"]},
    ),
    ("total DSCR for Texas", {"aggregation": ("aggregate", ["dscr"], None), "states": ["TX"]}),
    ("DSCR by market", {"aggregation": ("aggregate", ["dscr"], "market")}),
    ("YoY NOI change by property type", {"aggregation": ("yoy", ["noi"], "property_type")}),
    ("NOI growth by market", {"aggregation": ("yoy", ["noi"], "market")}),
    ("MoM NOI change by state", {"aggregation": ("mom", ["noi"], "state")}),
    ("year over year NOI by market", {"aggregation": ("yoy", ["noi"], "market")}),
    (
        "DSCR of the Dallas market",
        {"aggregation": ("aggregate", ["dscr"], None), "markets": ["Dallas-Fort Worth, TX"]},
    ),
    (
        "cap rate for the Texas portfolio",
        {"aggregation": ("aggregate", ["cap_rate"], None), "states": ["TX"]},
    ),
    ("cap rates for the industrial book", {"intent": "metrics", "metrics": ["cap_rate"]}),
    ("office only DSCR", {"intent": "metrics", "property_types": ["office"]}),
    ("DSCR by property type", {"aggregation": ("aggregate", ["dscr"], "property_type")}),
    (
        "occupancy by market",
        {"aggregation": ("aggregate", ["occupancy"], "market"), "says": "weighted by square feet"},
    ),
    ("aggregate LTV by state", {"aggregation": ("aggregate", ["ltv"], "state")}),
    (
        "aggregate debt yield by property type",
        {"aggregation": ("aggregate", ["debt_yield"], "property_type")},
    ),
    ("cap rate per state", {"aggregation": ("aggregate", ["cap_rate"], "state")}),
    ("LTV and DSCR by sector", {"aggregation": ("aggregate", ["ltv", "dscr"], "property_type")}),
    (
        "average DSCR of the office book",
        {"aggregation": ("mean", ["dscr"], None), "says": "Average DSCR"},
    ),
    ("portfolio-wide average DSCR", {"aggregation": ("mean", ["dscr"], None)}),
    ("avg cap rate by property type", {"aggregation": ("mean", ["cap_rate"], "property_type")}),
    ("mean occupancy by state", {"aggregation": ("mean", ["occupancy"], "state")}),
    ("median LTV by state", {"aggregation": ("median", ["ltv"], "state")}),
    ("median DSCR", {"aggregation": ("median", ["dscr"], None)}),
    (
        "total NOI by market, biggest first",
        {"aggregation": ("sum", ["noi"], "market"), "ranking": ("noi", True, None)},
    ),
    ("NOI by state", {"aggregation": ("aggregate", ["noi"], "state")}),
    ("total NOI for Texas", {"aggregation": ("sum", ["noi"], None), "states": ["TX"]}),
    (
        "top 3 markets by NOI",
        {"aggregation": ("aggregate", ["noi"], "market"), "ranking": ("noi", True, 3)},
    ),
    (
        "top 5 markets by aggregate DSCR",
        {"aggregation": ("aggregate", ["dscr"], "market"), "ranking": ("dscr", True, 5)},
    ),
    (
        "what fraction of NOI comes from office",
        {
            "aggregation": ("share", ["noi"], "property_type"),
            "keep": ["office"],
            "property_types": [],
        },
    ),
    (
        "what % of NOI comes from multifamily",
        {"aggregation": ("share", ["noi"], "property_type"), "keep": ["multifamily"]},
    ),
    (
        "NOI share by property type",
        {"aggregation": ("share", ["noi"], "property_type"), "keep": []},
    ),
    ("share of portfolio value by market", {"aggregation": ("share", ["value"], "market")}),
    ("Texas share of NOI", {"aggregation": ("share", ["noi"], "state"), "keep": ["TX"]}),
    ("proportion of debt by state", {"aggregation": ("share", ["loan_balance"], "state")}),
    (
        "retail vs office cap rates",
        {
            "aggregation": ("aggregate", ["cap_rate"], "property_type"),
            "property_types": ["retail", "office"],
        },
    ),
    (
        "compare retail vs office cap rates",
        {"aggregation": ("aggregate", ["cap_rate"], "property_type")},
    ),
    (
        "Houston versus Austin NOI",
        {"aggregation": ("aggregate", ["noi"], "market"), "markets": ["Houston, TX", "Austin, TX"]},
    ),
    (
        "Florida vs Texas DSCR",
        {"aggregation": ("aggregate", ["dscr"], "state"), "states": ["FL", "TX"]},
    ),
    ("how many hotels do we own", {"intent": "count", "property_types": ["hotel"]}),
    ("how many properties are at risk", {"intent": "count", "at_risk": True}),
    ("number of at-risk properties", {"intent": "count", "at_risk": True}),
    ("how many assets have LTV above 70%", {"intent": "count", "filters": [("ltv", ">", 0.7)]}),
    ("count of properties by state", {"aggregation": ("count", [], "state")}),
    ("how many properties per market", {"aggregation": ("count", [], "market")}),
    ("top decile by occupancy", {"ranking": ("occupancy", True, 3), "says": "top 10%"}),
    ("bottom quartile by occupancy", {"ranking": ("occupancy", False, 6)}),
    ("top 10% by NOI", {"ranking": ("noi", True, 3)}),
    ("bottom 25% of retail by NOI", {"ranking": ("noi", False, 2), "property_types": ["retail"]}),
    ("top half by cap rate", {"ranking": ("cap_rate", True, 11)}),
    ("top 10 assets by T12 NOI", {"ranking": ("noi", True, 10)}),
    ("lowest 3 occupancy in Texas", {"ranking": ("occupancy", False, 3), "states": ["TX"]}),
    ("dscr by asset, worst first", {"ranking": ("dscr", False, None)}),
    ("worst LTVs first", {"ranking": ("ltv", True, None)}),
    ("which property has the lowest DSCR", {"ranking": ("dscr", False, 1)}),
    ("highest LTV property", {"ranking": ("ltv", True, 1)}),
    ("bottom 5 properties by debt yield", {"ranking": ("debt_yield", False, 5)}),
    (
        "sort everything by cap rate descending",
        {"ranking": ("cap_rate", True, None), "metrics": ["cap_rate"]},
    ),
]


@pytest.mark.parametrize(("request_text", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_groups(planner: RuleBasedPlanner, request_text: str, expected: dict[str, Any]) -> None:
    check(read(planner, request_text), expected)


def test_group_figures_are_planned_with_the_group_figure_tool(planner: RuleBasedPlanner) -> None:
    plan = planner.plan(planner.analyse("portfolio DSCR"))
    step = next(s for s in plan.steps if s.tool == "group_figures")
    assert step.arguments["statistic"] == "aggregate" and step.arguments["metrics"] == ["dscr"]
    assert not any(s.tool == "aggregate_metrics" for s in plan.steps)


def test_average_is_labelled(planner: RuleBasedPlanner) -> None:
    plan = planner.plan(planner.analyse("average DSCR by market"))
    step = next(s for s in plan.steps if s.tool == "group_figures")
    assert step.arguments["statistic"] == "mean"
    assert "Average DSCR" in plan.restatement


def test_a_share_keeps_only_the_named_group(planner: RuleBasedPlanner) -> None:
    plan = planner.plan(planner.analyse("what fraction of NOI comes from office"))
    fetch = next(s for s in plan.steps if s.tool == "fetch_portfolio_metrics")
    assert "property_types" not in fetch.arguments  # the whole is the portfolio
    kept = next(s for s in plan.steps if s.id == "kept")
    assert kept.arguments["conditions"] == [
        {"column": "property_type", "op": "in", "value": ["office"]}
    ]


def test_a_condition_on_groups_filters_the_group_table(planner: RuleBasedPlanner) -> None:
    plan = planner.plan(planner.analyse("Which markets have DSCR below 1.4x?"))
    steps = {step.id: step for step in plan.steps}
    assert "qualifying" in steps, [s.id for s in plan.steps]
    assert steps["qualifying"].tool == "filter_data"
    assert steps["qualifying"].arguments["conditions"] == [
        {"column": "aggregate_dscr", "op": "<", "value": 1.4}
    ]
    # the properties themselves are not filtered: every property counts in its market's figure
    assert all(
        step.arguments.get("conditions") is None
        for step in plan.steps
        if step.id != "qualifying" and step.tool == "filter_data"
    )


def test_top_n_within_each_group_is_one_ranking_step(planner: RuleBasedPlanner) -> None:
    plan = planner.plan(planner.analyse("Top 5 properties by NOI in each state"))
    (ranked,) = [s for s in plan.steps if s.tool == "rank_data"]
    assert ranked.arguments["within"] == "state" and ranked.arguments["limit"] == 5
    (narrowed,) = [s for s in plan.steps if s.tool == "transform_data"]
    assert "state" in narrowed.arguments["operations"][0]["columns"]


def test_a_share_within_each_group_is_refused(planner: RuleBasedPlanner) -> None:
    with pytest.raises(RequestRejected, match="within each group"):
        planner.analyse("top 10% of properties by NOI in each market")
