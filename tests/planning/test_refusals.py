"""Requests that must be refused, each with a reason: never answered with a different question."""

from __future__ import annotations

import pytest

from meta_agent.errors import RequestRejected
from meta_agent.planning.rule_based import RuleBasedPlanner

REFUSED: list[tuple[str, str]] = [
    # unexplained words: the request would otherwise be answered without them
    ("DSCR for every property, roughly speaking", "speaking"),
    ("LTV of the office book by vintage cohort", "cohort"),
    ("cap rates for the industrial book, quarterly", "quarterly"),
    ("NOI for the office book ex-growth", "ex"),
    ("DSCR anything but below 1.25", "anything"),
    ("retail with cap rate outside of 5% to 7%", "5%"),
    ("cap rates compress 50bp", "compress"),
    ("YoY DSCR change by property type", "change by group"),
    ("DSCR within tolerance", "tolerance"),
    ("LTV trending toward covenant", "trend"),
    ("NOI per square foot by market", "square"),
    ("DSCR excluding the outliers", "outliers"),
    ("properties with healthy DSCR", "healthy"),
    ("high LTV properties", "high"),
    ("big hotels", "big"),
    ("newer office buildings", "newer"),
    ("DSCR with a 1.3x floor on the office book plus 12", "12"),
    ("occupancy above 90% last quarter", "last"),
    ("occupancy last 12 months", "last"),
    ("occupancy quartiles", "quartiles"),
    ("NOI by decile", "decile"),
    ("dscr at +200 for office", "+200"),
    ("vacant properties", "vacant"),
    ("rates +100bp for loans maturing next year", "maturity window"),
    ("DSCR of each loan", "loan"),
    ("all metrics under a 10% NOI haircut", "all"),
    ("compare Orlando Fashion Square to office peers", "own type"),
    ("compare Orlando Fashion Square to peers with DSCR above 1.5", "no filters"),
    ("exec report for properties with LTV over 70%", "no filters"),
    ("correlation between LTV and DSCR with a chart", "chart"),
    ("loans maturing next year with a chart", "chart"),
    ("properties near the airport", "airport"),
    ("top 5 per market by NOI", "within each group"),
    # names and places
    ("DSCR for Sunset Plaza Mall", "Sunset Plaza Mall"),
    ("NOI at Midtown Lofs", "Did you mean"),
    ("properties in Springfield", "Springfield"),
    ("DSCR for Galleria Dalas", "Galleria Dallas"),
    # read-only, actions, off-domain, unknown metrics
    ("delete the loans on properties under 1.0x", "read-only"),
    ("update the valuation of Mueller Flats to $50M", "read-only"),
    ("email the at-risk list to the team", "cannot email"),
    ("what's the weather in Orlando", "weather"),
    ("calculate the synergy quotient", "synergy"),
    ("IRR by property", "IRR"),
    ("WALT for the office book", "WALT"),
    ("forecast NOI for next year", "forecast"),
    # ambiguous or impossible
    ("rates up 50 points", "basis points or percentage points"),
    ("top 10% by DSCR", "ambiguous"),
    ("top decile of properties with LTV over 50% by NOI", "filtered"),
    ("DSCR < 1 or LTV > 80%", "or"),
    ("Run DSCR scenarios", "scenarios"),
    ("what share of DSCR comes from office", "share"),
    ("top 5 properties", "which metric"),
    ("", "empty"),
    ("average year built by market for loans maturing next year", "not understand"),
]


@pytest.mark.parametrize(
    ("request_text", "said"), REFUSED, ids=[r[0][:50] or "empty" for r in REFUSED]
)
def test_refused_with_a_reason(planner: RuleBasedPlanner, request_text: str, said: str) -> None:
    with pytest.raises(RequestRejected) as caught:
        planner.analyse(request_text)
    message = str(caught.value)
    assert said.lower() in message.lower(), message
    assert "not needed" not in message


def test_at_least_forty_refusals() -> None:
    assert len(REFUSED) >= 40
