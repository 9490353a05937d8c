"""Comparisons with their polarity: 'not over 65%' is <= 0.65, 'beats a 1.6x covenant' is >= 1.6."""

from __future__ import annotations

from typing import Any

import pytest

from meta_agent.planning.rule_based import RuleBasedPlanner

from .reading import Case, check, read

CASES: list[Case] = [
    ("LTV not over 65%", {"filters": [("ltv", "<=", 0.65)], "says": "at most 65%"}),
    ("properties with LTV not above 70%", {"filters": [("ltv", "<=", 0.70)]}),
    ("DSCR not under 1.3", {"filters": [("dscr", ">=", 1.3)], "at_risk": False}),
    ("DSCR not below 1.25x", {"filters": [("dscr", ">=", 1.25)]}),
    ("properties where DSCR is not below 1.25", {"filters": [("dscr", ">=", 1.25)]}),
    ("occupancy not less than 90%", {"filters": [("occupancy", ">=", 0.9)]}),
    ("DSCR no less than 1.3x", {"filters": [("dscr", ">=", 1.3)]}),
    ("LTV no more than 60%", {"filters": [("ltv", "<=", 0.6)]}),
    ("LTV no greater than 55 pct", {"filters": [("ltv", "<=", 0.55)]}),
    ("LTV at or above 70 pct", {"filters": [("ltv", ">=", 0.7)]}),
    ("LTV at or below 50%", {"filters": [("ltv", "<=", 0.5)]}),
    ("occupancy at least 95%", {"filters": [("occupancy", ">=", 0.95)]}),
    (
        "DSCR at least 1.20x, lowest first",
        {"filters": [("dscr", ">=", 1.2)], "ranking": ("dscr", False, None)},
    ),
    ("cap rate at most 6%", {"filters": [("cap_rate", "<=", 0.06)]}),
    ("which assets beat a 1.6x covenant", {"filters": [("dscr", ">=", 1.6)], "at_risk": False}),
    ("deals that clear 1.4x DSCR", {"filters": [("dscr", ">=", 1.4)]}),
    ("properties that meet a 1.35x DSCR hurdle", {"filters": [("dscr", ">=", 1.35)]}),
    ("properties failing a 1.2x covenant", {"at_risk": True, "threshold": 1.2}),
    ("DSCR greater than or equal to 1.5", {"filters": [("dscr", ">=", 1.5)]}),
    ("LTV less than or equal to 65%", {"filters": [("ltv", "<=", 0.65)]}),
    ("DSCR >= 1.4", {"filters": [("dscr", ">=", 1.4)]}),
    ("LTV > 75%", {"filters": [("ltv", ">", 0.75)]}),
    ("occupancy ≤ 85%", {"filters": [("occupancy", "<=", 0.85)]}),
    ("debt yield above 10%", {"filters": [("debt_yield", ">", 0.10)]}),
    ("debt yield of 8% or less", {"filters": [("debt_yield", "<=", 0.08)]}),
    ("DSCR of 1.5x or better", {"filters": [("dscr", ">=", 1.5)]}),
    ("cap rate upwards of 7%", {"filters": [("cap_rate", ">", 0.07)]}),
    (
        "properties with DSCR between 1.0 and 1.25",
        {"filters": [("dscr", ">=", 1.0), ("dscr", "<=", 1.25)]},
    ),
    (
        "occupancy between 80% and 90%",
        {"filters": [("occupancy", ">=", 0.8), ("occupancy", "<=", 0.9)]},
    ),
    ("properties where noi is negative", {"filters": [("noi", "<", 0.0)]}),
    ("assets with negative NOI", {"filters": [("noi", "<", 0.0)]}),
    ("which properties are losing money", {"filters": [("noi", "<", 0.0)]}),
    ("how many properties are underwater", {"intent": "count", "filters": [("ltv", ">", 1.0)]}),
    (
        "DSCR for properties valued over $50 million",
        {"filters": [("value", ">", 50_000_000)], "metrics": ["dscr", "value"]},
    ),
    ("properties worth more than 100 million", {"filters": [("value", ">", 100_000_000)]}),
    ("underwater assets in Texas", {"filters": [("ltv", ">", 1.0)], "states": ["TX"]}),
    (
        "Which properties are underwater (LTV over 100%)?",
        {"filters": [("ltv", ">", 1.0)], "says": "whose LTV is above 100%"},
    ),
    (
        "office with DSCR below 1.25x and LTV above 60%",
        {"at_risk": True, "filters": [("ltv", ">", 0.6)], "property_types": ["office"]},
    ),
    (
        "which multifamily deals are under 1.2 DSCR",
        {"at_risk": True, "threshold": 1.2, "property_types": ["multifamily"]},
    ),
    ("anything on the watch list? (<1.35x)", {"at_risk": True, "threshold": 1.35}),
    (
        "retail properties with occupancy under 90%",
        {"filters": [("occupancy", "<", 0.9)], "property_types": ["retail"]},
    ),
    ("NOI over $5M", {"filters": [("noi", ">", 5_000_000)]}),
    ("properties with NOI above 2.5 million", {"filters": [("noi", ">", 2_500_000)]}),
    (
        "DSCR of at least 1.5x and occupancy above 95%",
        {"filters": [("dscr", ">=", 1.5), ("occupancy", ">", 0.95)]},
    ),
    ("vacancy above 10%", {"filters": [("occupancy", "<", 0.9)]}),
    ("LTV not over sixty-five percent", {"filters": [("ltv", "<=", 0.65)]}),
    (
        "DSCR for properties that aren't hotels",
        {"property_types": ["industrial", "mixed_use", "multifamily", "office", "retail"]},
    ),
    ("no hotels, DSCR only", {"metrics": ["dscr"]}),
    ("properties whose NOI is not negative", {"filters": [("noi", ">=", 0.0)]}),
    (
        "hotels that are not underwater",
        {"filters": [("ltv", "<=", 1.0)], "property_types": ["hotel"]},
    ),
    ("NOI excluding properties in Texas", {"says": "excluding TX"}),
    ("NOI excl hotels", {"says": "excluding hotel"}),
    (
        "no more than 50% LTV and at least 95% occupied",
        {"filters": [("ltv", "<=", 0.5), ("occupancy", ">=", 0.95)]},
    ),
    ("office buildings less than 85% leased", {"filters": [("occupancy", "<", 0.85)]}),
    ("DSCR for all assets except the ones in Florida", {"says": "excluding FL"}),
    # "not at risk" is the complement of at risk: DSCR at or above the threshold, or no debt
    (
        "Which assets are not at risk?",
        {"at_risk": True, "not_at_risk": True, "filters": [], "says": "not at risk listed"},
    ),
    ("Which assets aren't at risk?", {"not_at_risk": True}),
    (
        "office properties not on the watch list",
        {"not_at_risk": True, "property_types": ["office"]},
    ),
    (
        "properties not at risk with DSCR below 1.5",
        {"not_at_risk": True, "threshold": 1.25, "filters": [("dscr", "<", 1.5)]},
    ),
    ("properties with LTV of 50-60%", {"filters": [("ltv", ">=", 0.5), ("ltv", "<=", 0.6)]}),
    ("DSCR 1.2-1.4x", {"filters": [("dscr", ">=", 1.2), ("dscr", "<=", 1.4)]}),
    ("dscr < 1.25x ex hotels, worst first", {"at_risk": True, "ranking": ("dscr", False, None)}),
    (
        "hotels not in florida with dscr over 1.5",
        {"filters": [("dscr", ">", 1.5)], "property_types": ["hotel"]},
    ),
    ("DSCR not under one point five times", {"filters": [("dscr", ">=", 1.5)]}),
]


@pytest.mark.parametrize(("request_text", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_comparisons(
    planner: RuleBasedPlanner, request_text: str, expected: dict[str, Any]
) -> None:
    check(read(planner, request_text), expected)


def test_dscr_filters_exclude_properties_without_debt(planner: RuleBasedPlanner) -> None:
    analysis = read(planner, "DSCR at least 1.20x, lowest first")
    assert "properties without debt excluded" in analysis.restatement
