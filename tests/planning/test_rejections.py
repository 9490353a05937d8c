"""Requests that must be refused, with a message that says why and what would work."""

from __future__ import annotations

import pytest

from meta_agent.errors import RequestRejected
from meta_agent.planning.rule_based import RuleBasedPlanner

# (request, words the message must contain, a suggestion that must be offered or None)
REJECTED: list[tuple[str, list[str], str | None]] = [
    (
        "DSCR of properties with more than 3 buildings",
        ["A number of properties is a condition on a group"],
        "which markets have more than 3 properties",
    ),
    (
        "how many properties are not at risk",
        ["'Not at risk' lists properties"],
        "which properties are not at risk",
    ),
    ("DSCR for Sunset Plaza Mall", ["No property named 'Sunset Plaza Mall'"], None),
    (
        "NOI for Orlando Fashion Mall",
        ["No property named", "Fashion Mall"],
        "Orlando Fashion Square",
    ),
    (
        "compare Lake Nona Plaza to peers",
        ["No property named 'Lake Nona Plaza'"],
        "Lake Nona Apartments",
    ),
    (
        "cap rate for the Galleria",
        ["more than one property", "Galleria Dallas", "Galleria Houston"],
        "Galleria Houston",
    ),
    (
        "delete the loans on properties under 1.0x",
        ["read-only", "delete"],
        "Show the loans on properties under 1.0x",
    ),
    (
        "update the valuation of Mueller Flats to $50M",
        ["read-only", "update"],
        "Show the valuation of Mueller Flats",
    ),
    ("set the interest rate on the River North Hotel loan to 7%", ["read-only"], None),
    ("please change the property type of Scottsdale Quarter to office", ["read-only"], None),
    ("drop table properties", ["read-only"], None),
    ("add a new property in Austin", ["read-only"], None),
    ("email the at-risk list to the credit committee", ["cannot email", "result files"], None),
    (
        "what's the weather in Orlando",
        ["'weather' is not something", "DSCR"],
        "Calculate DSCR for all properties and identify at-risk assets",
    ),
    ("tell me a joke", ["not something Meta-Agent can answer"], None),
    (
        "calculate the synergy quotient",
        ["'synergy quotient' is not a metric", "cap rate", "debt yield"],
        "DSCR",
    ),
    (
        "what's the IRR on Orlando Fashion Square",
        ["IRR is not available", "distributions", "cap rate"],
        "cap rate",
    ),
    ("ROI by property", ["ROI is not available"], "T12 NOI"),
    ("show me the WALT by property", ["WALT is not available", "no leases"], None),
    ("forecast NOI for next year", ["does not forecast", "trend"], None),
    ("DSCR for properties in Boise", ["No market, city or state called 'Boise'"], None),
    ("DSCR for Q3 2024", ["latest period"], None),
    ("top 5 properties", ["Rank by which metric"], "top 10 properties by NOI"),
    (
        "stress test the portfolio",
        ["Which shocks"],
        "Run DSCR scenarios with 10%, 20%, 30% NOI decrease",
    ),
    ("outliers please", ["Outliers in which metric"], "flag outliers in expense ratio"),
    ("average by type", ["Which metric should be aggregated"], None),
    ("properties under 1.2", ["Which metric does 'under 1.2' apply to"], "DSCR under 1.2"),
    ("DSCR trend for Mueller Flats", ["no monthly series"], None),
    ("NOI over 5", ["ambiguous", "$5M"], None),
    ("DSCR less than 1.0x or LTV above 80%", ["'or' are not supported"], "LTV above 80%"),
    ("hotels in Ohio", ["no properties in Ohio"], "Texas"),
    ("asdfgh qwerty", ["not a metric or analysis"], None),
    ("", ["empty"], None),
]


@pytest.mark.parametrize(
    ("request_text", "words", "suggestion"), REJECTED, ids=[r[0][:50] or "empty" for r in REJECTED]
)
def test_refused_with_a_helpful_message(
    planner: RuleBasedPlanner, request_text: str, words: list[str], suggestion: str | None
) -> None:
    with pytest.raises(RequestRejected) as caught:
        planner.analyse(request_text)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    if suggestion is not None:
        assert suggestion in caught.value.suggestions, caught.value.suggestions


def test_there_are_enough_refusals() -> None:
    assert len(REJECTED) >= 15


def test_unknown_metric_lists_the_metrics_that_exist(planner: RuleBasedPlanner) -> None:
    with pytest.raises(RequestRejected) as caught:
        planner.analyse("calculate the synergy quotient")
    assert {"DSCR", "cap rate", "LTV", "occupancy"} <= set(caught.value.suggestions)


@pytest.mark.parametrize(
    "request_text",
    [
        "what if rates rise by 200bp",  # "rise" and "rates" are not an order to change data
        "cut NOI by 10% and show DSCR",  # a stress scenario, not an edit
        "drop hotels from the list and show cap rates",  # a filter of the result
        "update me on DSCR for the office book",  # "update me" is not a write
        "the exec report with an email-ready summary",  # "email" as a noun
    ],
)
def test_ordinary_requests_are_not_mistaken_for_writes(
    planner: RuleBasedPlanner, request_text: str
) -> None:
    planner.analyse(request_text)
