"""Every token of every understood request is accounted for: consumed by a piece of meaning, or
filler from the short list; one unexplained word refuses the request."""

from __future__ import annotations

import pytest

from meta_agent.errors import RequestRejected
from meta_agent.planning.rule_based import RuleBasedPlanner
from meta_agent.planning.words import FILLER_WORDS

from .test_requirements import CASES

NEVER_FILLER = [
    "not",
    "no",
    "under",
    "over",
    "below",
    "above",
    "only",
    "each",
    "per",
    "share",
    "average",
    "total",
    "except",
    "decile",
    "fraction",
    "top",
    "bottom",
    "least",
    "most",
    "first",
    "last",
    "up",
    "down",
    "than",
    "without",
    "median",
    "count",
    "every",
    "all",
]


@pytest.mark.parametrize("request_text", [c[0] for c in CASES], ids=[c[0][:50] for c in CASES])
def test_no_token_is_unaccounted_for(planner: RuleBasedPlanner, request_text: str) -> None:
    accounts = planner.parser.account(request_text)
    assert accounts, request_text
    left = [a.text for a in accounts if a.status == "unexplained"]
    assert left == [], f"{request_text!r}: unexplained {left}"


def test_meaningful_words_are_never_filler() -> None:
    assert not set(NEVER_FILLER) & FILLER_WORDS


@pytest.mark.parametrize(
    ("request_text", "word"),
    [
        ("DSCR for every property, roughly speaking", "speaking"),
        ("NOI for the office book ex-growth", "ex"),
        ("occupancy of retail, not counting the outlet", "counting"),
        ("LTV of the office book by vintage cohort", "cohort"),
        ("cap rates for the industrial book please, quarterly", "quarterly"),
    ],
)
def test_one_unexplained_word_refuses(
    planner: RuleBasedPlanner, request_text: str, word: str
) -> None:
    with pytest.raises(RequestRejected) as caught:
        planner.analyse(request_text)
    assert word in str(caught.value)
    assert "not needed" not in str(caught.value)


def test_the_restatement_is_in_the_refusal(planner: RuleBasedPlanner) -> None:
    with pytest.raises(RequestRejected) as caught:
        planner.analyse("DSCR of office properties, cohort wise")
    assert "would read: DSCR of every office property" in str(caught.value)
