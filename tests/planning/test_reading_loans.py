"""Loan questions: maturities (in a year, before / by a year, next year, within N months),
balances coming due, interest-only loans, by lender."""

from __future__ import annotations

from typing import Any

import pytest

from meta_agent.planning.rule_based import RuleBasedPlanner

from .reading import Case, check, read

CASES: list[Case] = [
    (
        "What is total debt outstanding by lender?",
        {"intent": "loans", "says": "total balance and number of loans per lender"},
    ),
    (
        "which loans mature in 2027?",
        {"loans": {"maturing_from": "2027-01-01", "maturing_before": "2028-01-01"}},
    ),
    ("which loans mature before 2028", {"loans": {"maturing_before": "2028-01-01"}}),
    ("what debt matures by 2026", {"loans": {"maturing_before": "2027-01-01"}}),
    ("loans maturing after 2030", {"loans": {"maturing_from": "2031-01-01"}}),
    ("loans maturing from 2029", {"loans": {"maturing_from": "2029-01-01"}}),
    ("loans maturing next year", {"loans": {"year_offset": 1}}),
    ("what comes due this year", {"loans": {"year_offset": 0}}),
    ("balance coming due in the next 18 months", {"loans": {"within_months": 18}}),
    ("loans maturing within a year", {"loans": {"within_months": 12}}),
    ("maturities in the next 2 years", {"loans": {"within_months": 24}}),
    ("interest-only loans", {"loans": {"interest_only": True}}),
    ("IO loans by lender", {"loans": {"interest_only": True, "group_by_lender": True}}),
    ("loan balance by lender", {"loans": {"group_by_lender": True}}),
    ("maturity schedule for the office book", {"loans": {}, "property_types": ["office"]}),
    (
        "Texas loans maturing before 2028",
        {"loans": {"maturing_before": "2028-01-01"}, "states": ["TX"]},
    ),
    (
        "debt maturing in 2027 for Orlando Fashion Square",
        {
            "loans": {"maturing_from": "2027-01-01", "maturing_before": "2028-01-01"},
            "ids": ["orlando_fashion_square"],
        },
    ),
    ("refinancing wall by lender", {"loans": {"group_by_lender": True}}),
    ("biggest 5 loans", {"loans": {}}),
    ("smallest 3 loans maturing next year", {"loans": {"year_offset": 1}}),
    (
        "balloon payments due in 2026",
        {"loans": {"maturing_from": "2026-01-01", "maturing_before": "2027-01-01"}},
    ),
]


@pytest.mark.parametrize(("request_text", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_loans(planner: RuleBasedPlanner, request_text: str, expected: dict[str, Any]) -> None:
    analysis = read(planner, request_text)
    assert analysis.intent == "loans"
    check(analysis, expected)


@pytest.mark.parametrize(
    "request_text", ["how many loans do we have", "how many IO loans", "number of loans by lender"]
)
def test_counting_loans_counts_loans_not_properties(
    planner: RuleBasedPlanner, request_text: str
) -> None:
    analysis = read(planner, request_text)
    assert analysis.intent == "loans" and "loan_count" in analysis.metrics
    assert "number of loans" in analysis.restatement


def test_a_loan_plan_selects_and_sums(planner: RuleBasedPlanner) -> None:
    plan = planner.plan(planner.analyse("IO loans by lender in Texas"))
    tools = plan.tools_used()
    assert tools[:2] == ["fetch_loans", "select_loans"] and "aggregate_metrics" in tools
    fetch = plan.steps[0].arguments["property_ids"]
    assert fetch and all(pid in planner.directory.by_id for pid in fetch)
    assert "maturity" in plan.restatement or "loans" in plan.restatement.lower()


def test_a_year_after_before_is_not_a_year_built(planner: RuleBasedPlanner) -> None:
    analysis = read(planner, "which loans mature before 2028")
    assert analysis.filters == []


def test_a_balance_condition_in_a_loan_question_is_on_each_loan(planner: RuleBasedPlanner) -> None:
    analysis = planner.analyse("loans maturing before 2027 with balance over 20 million")
    assert analysis.intent == "loans" and analysis.filters == []
    assert analysis.loans is not None
    assert [(f.metric, f.op, f.value) for f in analysis.loans.balances] == [
        ("loan_balance", ">", 20_000_000)
    ]
    assert "whose loan balance is above $20,000,000" in analysis.restatement
    plan = planner.plan(analysis)
    (sized,) = [s for s in plan.steps if s.id == "sized"]
    assert sized.arguments["conditions"] == [
        {"column": "current_balance", "op": ">", "value": 20_000_000}
    ]
