"""Exports of any answer to CSV, Excel or PDF when asked; trade words mapped to their definitions
(docs/DOMAIN.md, "Words of the trade")."""

from __future__ import annotations

from typing import Any

import pytest

from meta_agent.planning.rule_based import RuleBasedPlanner

from .reading import Case, check, read

ALL = [
    "noi", "debt_service", "dscr", "cap_rate", "ltv", "debt_yield", "occupancy", "value",
    "loan_balance", "egi", "operating_expenses", "expense_ratio",
]  # fmt: skip

CASES: list[Case] = [
    ("Export all property metrics to Excel", {"metrics": ALL, "outputs_include": ["excel"]}),
    ("all metrics for every property as a CSV", {"metrics": ALL, "outputs_include": ["csv"]}),
    (
        "key metrics for the retail book in a spreadsheet",
        {"metrics": ALL, "property_types": ["retail"], "outputs_include": ["excel"]},
    ),
    ("DSCR for every property to CSV", {"metrics": ["dscr"], "outputs_include": ["csv"]}),
    ("at-risk list as a PDF", {"at_risk": True, "outputs_include": ["pdf"]}),
    (
        "give me a PDF of at-risk loans for the credit committee",
        {"at_risk": True, "outputs_include": ["pdf"]},
    ),
    (
        "portfolio DSCR in Excel",
        {"aggregation": ("aggregate", ["dscr"], None), "outputs_include": ["excel"]},
    ),
    (
        "occupancy by market, export to csv",
        {"aggregation": ("aggregate", ["occupancy"], "market"), "outputs_include": ["csv"]},
    ),
    ("loans maturing next year to Excel", {"intent": "loans", "outputs_include": ["excel"]}),
    (
        "stress NOI down 10% and send it to a workbook",
        {"intent": "scenario", "outputs_include": ["excel"]},
    ),
    (
        "Compare Orlando Fashion Square to its 3 closest peers, export to Excel",
        {"intent": "comparison", "outputs_include": ["excel"]},
    ),
    ("top 10 by NOI with a chart", {"ranking": ("noi", True, 10), "outputs_include": ["chart"]}),
    # words of the trade
    ("Which properties are at risk of defaulting?", {"at_risk": True, "threshold": 1.25}),
    ("assets at risk of default", {"at_risk": True}),
    ("weak coverage in the multifamily book", {"at_risk": True, "property_types": ["multifamily"]}),
    ("thin coverage deals", {"at_risk": True}),
    ("which properties are underwater", {"filters": [("ltv", ">", 1.0)]}),
    ("which properties are levered", {"has_debt": True}),
    ("unlevered assets", {"has_debt": False}),
    ("properties without any debt", {"has_debt": False}),
    ("distressed hotels", {"at_risk": True, "property_types": ["hotel"]}),
    ("covenant breaches below 1.15x", {"at_risk": True, "threshold": 1.15}),
    ("what's at risk at a 1.4x threshold", {"at_risk": True, "threshold": 1.4}),
    ("at-risk using 1.30", {"at_risk": True, "threshold": 1.3}),
    ("at risk if the threshold is 1.35x", {"at_risk": True, "threshold": 1.35}),
    ("list all properties", {"intent": "metrics", "metrics": []}),
    ("show all loans", {"intent": "loans"}),
    ("Orlando Fashion Square NOI last 12 months", {"intent": "metrics", "metrics": ["noi"]}),
]


@pytest.mark.parametrize(("request_text", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_exports_and_trade_words(
    planner: RuleBasedPlanner, request_text: str, expected: dict[str, Any]
) -> None:
    check(read(planner, request_text), expected)


def test_export_to_excel_writes_a_workbook(planner: RuleBasedPlanner) -> None:
    plan = planner.plan(planner.analyse("Export all property metrics to Excel"))
    assert "export_to_excel" in plan.tools_used()
    assert any(o.kind == "excel" for o in plan.outputs)
