"""Shocks: each bound to its own metric and direction, any verbs, combined into one scenario."""

from __future__ import annotations

from typing import Any

import pytest

from meta_agent.planning.rule_based import RuleBasedPlanner

from .reading import Case, check, read

CASES: list[Case] = [
    (
        "How would a 50 bp rate increase affect DSCR across industrial assets?",
        {"scenarios": [(0, 50)], "property_types": ["industrial"]},
    ),
    ("what's the impact of a 10% NOI drop on DSCR", {"scenarios": [(10, 0)]}),
    (
        "If NOI falls 10%, which properties drop below 1.0x DSCR?",
        {"scenarios": [(10, 0)], "threshold": 1.0, "lists_properties": True},
    ),
    ("stress test: NOI down 15% and 25%", {"lists_properties": False}),
    (
        "stress office book: noi -20%, which assets break 1.0x",
        {"scenarios": [(20, 0)], "threshold": 1.0, "lists_properties": True},
    ),
    (
        "which properties go below 1.1x if rates rise 100bp",
        {"scenarios": [(0, 100)], "threshold": 1.1},
    ),
    ("effect of rates up 100bp on the office portfolio", {"scenarios": [(0, 100)]}),
    ("DSCR for each asset if rates climb 75bp and NOI slips 5%", {"scenarios": [(5, 75)]}),
    ("what if rates rise 100bp and NOI falls 10%", {"scenarios": [(10, 100)]}),
    ("what if NOI drops 10% and rates rise 50 bps", {"scenarios": [(10, 50)]}),
    ("NOI -10% and +100bp", {"scenarios": [(10, 100)]}),
    ("apply a 20% NOI haircut and 200bp rate shock", {"scenarios": [(20, 200)]}),
    ("run a downside case: NOI -15%, rates +100bp", {"scenarios": [(15, 100)]}),
    (
        "stress NOI by 5%, 10% and 15% with rates +50bps",
        {"scenarios": [(5, 50), (10, 50), (15, 50)]},
    ),
    ("stress test: NOI down 15% and 25%", {"scenarios": [(15, 0), (25, 0)]}),
    (
        "Run DSCR scenarios with 10%, 20%, 30% NOI decrease",
        {"scenarios": [(10, 0), (20, 0), (30, 0)]},
    ),
    ("what happens to DSCR if rates go up 150bps", {"scenarios": [(0, 150)]}),
    (
        "+100/+200/+300 bp rate shock on the office portfolio",
        {"scenarios": [(0, 100), (0, 200), (0, 300)], "property_types": ["office"]},
    ),
    ("Show DSCR under +50, +100 and +150 bps", {"scenarios": [(0, 50), (0, 100), (0, 150)]}),
    (
        "sensitivity of DSCR to rates +50, +100, +150bp",
        {"scenarios": [(0, 50), (0, 100), (0, 150)]},
    ),
    ("Model a 200 basis point rate increase", {"scenarios": [(0, 200)], "property_types": []}),
    ("model rates widening 75bp", {"scenarios": [(0, 75)]}),
    ("rates spike 250 bps", {"scenarios": [(0, 250)]}),
    ("if rates fall 50bp", {"scenarios": [(0, -50)]}),
    ("rates down 25 bps and NOI up 5%", {"scenarios": [(-5, -25)]}),
    ("NOI erodes 8%", {"scenarios": [(8, 0)]}),
    ("NOI slides 12% across the hotel book", {"scenarios": [(12, 0)], "property_types": ["hotel"]}),
    ("DSCR under a 10% NOI haircut", {"scenarios": [(10, 0)]}),
    ("NOI contraction of 15%", {"scenarios": [(15, 0)]}),
    ("NOI tanks 30% for retail", {"scenarios": [(30, 0)], "property_types": ["retail"]}),
    ("hit NOI by 20% and rates by 100bp", {"scenarios": [(20, 100)]}),
    ("stress: NOI -10% / rates +200bp", {"scenarios": [(10, 200)]}),
    ("NOI declines 10% while rates jump 100bp", {"scenarios": [(10, 100)]}),
    ("rates climb 1% and NOI slips 5%", {"scenarios": [(5, 100)]}),
    (
        "office DSCR if interest rates increase by 50 bps",
        {"scenarios": [(0, 50)], "property_types": ["office"]},
    ),
    ("SOFR up 100bp", {"scenarios": [(0, 100)]}),
    ("NOI down twenty percent", {"scenarios": [(20, 0)]}),
    ("rates +100 and NOI -10% combined", {"scenarios": [(10, 100)]}),
    (
        "how many properties go below 1.1x if NOI falls 15%",
        {"scenarios": [(15, 0)], "threshold": 1.1},
    ),
    ("how many at-risk assets if rates rise 200bp", {"scenarios": [(0, 200)]}),
    ("NOI -5%, -10%, -15% scenarios for multifamily", {"scenarios": [(5, 0), (10, 0), (15, 0)]}),
    ("+50bps", {"scenarios": [(0, 50)]}),
]


@pytest.mark.parametrize(("request_text", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_shocks(planner: RuleBasedPlanner, request_text: str, expected: dict[str, Any]) -> None:
    analysis = read(planner, request_text)
    assert analysis.intent == "scenario"
    check(analysis, expected)


def test_a_combined_scenario_is_restated_as_one(planner: RuleBasedPlanner) -> None:
    analysis = read(planner, "DSCR for each asset if rates climb 75bp and NOI slips 5%")
    assert "NOI -5% with rates +75 bp (combined)" in analysis.restatement


def test_which_properties_breach_is_answered_by_the_list(planner: RuleBasedPlanner) -> None:
    plan = planner.plan(planner.analyse("which properties fall below 1.1x if NOI drops 20%"))
    (listed,) = [o for o in plan.outputs if o.filename == "scenario_at_risk.csv"]
    assert listed.headline
    plain = planner.plan(planner.analyse("NOI down 20% stress test"))
    assert not any(o.headline for o in plain.outputs if o.filename == "scenario_at_risk.csv")


def test_a_scenario_by_property_type_gives_each_type_its_aggregate(
    planner: RuleBasedPlanner,
) -> None:
    analysis = planner.analyse("NOI -15%: DSCR by property type")
    assert analysis.aggregation is not None and analysis.aggregation.group_by == "property_type"
    assert "the aggregate DSCR of each property type per scenario" in analysis.restatement
    plan = planner.plan(analysis)
    (sums,) = [s for s in plan.steps if s.id == "scenario_sums"]
    assert sums.arguments["group_by"] == ["scenario", "property_type"]
    (table,) = [o for o in plan.outputs if o.filename == "scenario_dscr_by_type.csv"]
    assert table.headline


def test_a_scenario_by_market_is_refused(planner: RuleBasedPlanner) -> None:
    from meta_agent.errors import RequestRejected

    with pytest.raises(RequestRejected, match="grouped by property type"):
        planner.analyse("rates +200bp, DSCR by market")
