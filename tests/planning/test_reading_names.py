"""Names: exact names first, English words are never names or typos, close phrases get
'did you mean', quoting the whole phrase."""

from __future__ import annotations

from typing import Any

import pytest

from meta_agent.errors import RequestRejected
from meta_agent.planning.rule_based import RuleBasedPlanner

from .reading import Case, check, read

CASES: list[Case] = [
    ("Galleria Dallas NOI", {"ids": ["galleria_dallas"], "markets": [], "metrics": ["noi"]}),
    ("Galleria Houston DSCR", {"ids": ["galleria_houston"]}),
    ("NOI in Dallas", {"ids": [], "markets": ["Dallas-Fort Worth, TX"]}),
    ("DSCR for Orlando Fashion Square", {"ids": ["orlando_fashion_square"]}),
    ("DSCR for Orlando Fashon Sqare", {"ids": ["orlando_fashion_square"]}),
    (
        "Orlando Fashion Sq debt yield + occupancy",
        {"ids": ["orlando_fashion_square"], "metrics": ["debt_yield", "occupancy"]},
    ),
    (
        "what's our LTV on orlando fashion square",
        {"ids": ["orlando_fashion_square"], "metrics": ["ltv"]},
    ),
    ("orlando_fashion_square cap rate", {"ids": ["orlando_fashion_square"]}),
    ("NOI for Orlando", {"ids": [], "markets": ["Orlando, FL"]}),
    ("Model a 200 basis point rate increase", {"ids": [], "property_types": []}),
    ("model a 10% NOI decline for hotels", {"property_types": ["hotel"], "scenarios": [(10, 0)]}),
    ("Mueller Flats and Midtown Lofts occupancy", {"ids": ["mueller_flats", "midtown_lofts"]}),
    ("DSCR for The Domain Tower", {"ids": ["domain_tower"]}),
    ("Capital Plaza LTV", {"ids": ["capital_plaza"]}),
    (
        "compare Legacy West Office Tower to its 3 closest peers",
        {"intent": "comparison", "ids": ["legacy_west_office"], "peer_count": 3},
    ),
]


@pytest.mark.parametrize(("request_text", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_names(planner: RuleBasedPlanner, request_text: str, expected: dict[str, Any]) -> None:
    check(read(planner, request_text), expected)


@pytest.mark.parametrize(
    ("request_text", "typed"),
    [
        ("DSCR for Orlando Fashon Sqare", "Orlando Fashon Sqare"),
        ("occupancy of Scottsdale Quartr", "Scottsdale Quartr"),
    ],
)
def test_a_typo_is_stated(planner: RuleBasedPlanner, request_text: str, typed: str) -> None:
    analysis = read(planner, request_text)
    assert any(f"'{typed}'" in line for line in analysis.interpretations)
    assert f"'{typed}' read as" in analysis.restatement


@pytest.mark.parametrize(
    ("request_text", "phrase", "name"),
    [
        ("DSCR for Mueller Flts", "Mueller Flts", "Mueller Flats"),
        ("ltv and debt yield for Mueller Flts", "Mueller Flts", "Mueller Flats"),
    ],
)
def test_a_typo_beside_a_found_name_is_read_with_it(
    planner: RuleBasedPlanner, request_text: str, phrase: str, name: str
) -> None:
    """'Mueller Flts': 'Flts' is a typo of the found name's own word, so the correction is
    unique (UNDERSTANDING.md): read as the name, and said so, never left over or guessed."""
    analysis = read(planner, request_text)
    assert [p.name for p in analysis.properties] == [name]
    assert f"'{phrase}' read as {name}" in analysis.restatement


def test_a_phrase_no_name_word_matches_gets_did_you_mean(planner: RuleBasedPlanner) -> None:
    """'Midtown Lofs': no word of it matched a name, so nothing is corrected silently."""
    with pytest.raises(RequestRejected) as caught:
        planner.analyse("NOI at Midtown Lofs")
    assert "'Midtown Lofs'" in str(caught.value) and "Did you mean" in str(caught.value)
    assert caught.value.suggestions == ["Midtown Lofts"]


def test_a_name_sharing_only_some_letters_is_not_suggested() -> None:
    """'Galleria' is not a typo of 'Alder Plaza' (WRatio scores the 'alle'/'alde' overlap 72):
    a suggestion must look like the whole phrase, or none is offered."""
    from meta_agent.planning.resolve import PortfolioDirectory

    rows = [
        ("alder_plaza", "Alder Plaza", "office", "Austin", "TX", "Austin, TX"),
        ("marlow_hotel", "Marlow Hotel", "hotel", "Tampa", "FL", "Tampa, FL"),
    ]
    planner = RuleBasedPlanner(PortfolioDirectory.from_rows(rows))
    with pytest.raises(RequestRejected) as caught:
        planner.analyse("ltv for the Galleria")
    assert "Galleria" in str(caught.value)
    assert "Alder Plaza" not in str(caught.value) and caught.value.suggestions == []
    typo = planner.analyse("DSCR for Marlow Hotl")  # a typo of the found name's own word
    assert [p.name for p in typo.properties] == ["Marlow Hotel"]
    assert "'Marlow Hotl' read as Marlow Hotel" in typo.restatement


def test_a_shared_generic_word_is_no_reason_to_suggest_a_name() -> None:
    """'Sunset Plaza Mall' shares only 'plaza' with 'Alder Plaza': refused without a guess."""
    from meta_agent.planning.resolve import PortfolioDirectory

    rows = [("alder_plaza", "Alder Plaza", "office", "Austin", "TX", "Austin, TX")]
    planner = RuleBasedPlanner(PortfolioDirectory.from_rows(rows))
    with pytest.raises(RequestRejected) as caught:
        planner.analyse("DSCR for Sunset Plaza Mall")
    assert caught.value.suggestions == []


@pytest.mark.parametrize(
    "request_text",
    [
        "top 5 NOI ex Orlando Fashion Square",
        "at-risk assets other than Orlando Fashion Square",
        "DSCR for all retail except Orlando Fashion Square",
    ],
)
def test_a_named_property_left_out(planner: RuleBasedPlanner, request_text: str) -> None:
    analysis = read(planner, request_text)
    assert analysis.properties == [] and analysis.scope.property_ids == []
    assert analysis.scope.excluded["property_ids"] == ["orlando_fashion_square"]
    assert "(excluding Orlando Fashion Square)" in analysis.restatement
    plan = planner.plan(analysis)
    conditions = [
        c for s in plan.steps if s.tool == "filter_data" for c in s.arguments["conditions"]
    ]
    assert {
        "column": "property_id",
        "op": "not_in",
        "value": ["orlando_fashion_square"],
    } in conditions


def test_a_named_property_cannot_be_left_out_of_a_trend(planner: RuleBasedPlanner) -> None:
    with pytest.raises(RequestRejected, match="Leaving a named property out"):
        planner.analyse("NOI trend for the portfolio except Orlando Fashion Square")
