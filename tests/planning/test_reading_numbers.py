"""Numbers as words, fractions, mixed forms and units (x, times, %, pct, bp, bps, points)."""

from __future__ import annotations

from typing import Any

import pytest

from meta_agent.planning.rule_based import RuleBasedPlanner
from meta_agent.planning.tokens import spell_numbers

from .reading import Case, check, read

SPELT = [
    ("one point five times", "1.5 times"),
    ("one point two five x", "1.25 x"),
    ("twenty-five basis points", "25 basis points"),
    ("twenty five bps", "25 bps"),
    ("two and a half percent", "2.5 percent"),
    ("a fifth", "20%"),
    ("one third", "33.33333333%"),
    ("two thirds", "66.66666667%"),
    ("a hundred bps", "100 bps"),
    ("one hundred and fifty bps", "150 bps"),
    ("three hundred bp", "300 bp"),
    ("seventy-five basis points", "75 basis points"),
    ("top ten", "top 10"),
    ("one property", "one property"),
    ("the last quarter", "the last quarter"),
    ("Park One Plaza", "Park One Plaza"),
]


@pytest.mark.parametrize(("typed", "digits"), SPELT, ids=[s[0] for s in SPELT])
def test_numbers_written_as_words(typed: str, digits: str) -> None:
    assert spell_numbers(typed) == digits


CASES: list[Case] = [
    ("DSCR above one point two five x", {"filters": [("dscr", ">", 1.25)]}),
    ("occupancy below eighty-five percent", {"filters": [("occupancy", "<", 0.85)]}),
    ("LTV over seventy pct", {"filters": [("ltv", ">", 0.7)]}),
    ("cap rate above six and a half percent", {"filters": [("cap_rate", ">", 0.065)]}),
    ("DSCR under 1.2 times", {"at_risk": True, "threshold": 1.2}),
    ("DSCR at least 1.4 times", {"filters": [("dscr", ">=", 1.4)]}),
    ("NOI down a fifth", {"scenarios": [(20, 0)]}),
    ("NOI down one third", {"scenarios": [(pytest.approx(100 / 3), 0)]}),
    ("rates up twenty-five basis points", {"scenarios": [(0, 25)]}),
    ("rates up a hundred bps", {"scenarios": [(0, 100)]}),
    ("rates +75 bps", {"scenarios": [(0, 75)]}),
    ("rates up 1%", {"scenarios": [(0, 100)]}),
    ("NOI down 5 points", {"scenarios": [(5, 0)]}),
    ("NOI down 10 pct", {"scenarios": [(10, 0)]}),
    ("NOI down 2.5 percent", {"scenarios": [(2.5, 0)]}),
    ("top ten by NOI", {"ranking": ("noi", True, 10)}),
    ("bottom five by occupancy", {"ranking": ("occupancy", False, 5)}),
    ("top 3 by cap rate", {"ranking": ("cap_rate", True, 3)}),
    ("lowest twelve DSCRs", {"ranking": ("dscr", False, 12)}),
    ("NOI above $2.5M", {"filters": [("noi", ">", 2_500_000)]}),
    ("NOI above 750k", {"filters": [("noi", ">", 750_000)]}),
    ("value over $1bn", {"filters": [("value", ">", 1e9)]}),
    ("LTV over .75", {"filters": [("ltv", ">", 0.75)]}),
    ("LTV over 75", {"filters": [("ltv", ">", 0.75)]}),
]


@pytest.mark.parametrize(("request_text", "expected"), CASES, ids=[c[0][:50] for c in CASES])
def test_numbers(planner: RuleBasedPlanner, request_text: str, expected: dict[str, Any]) -> None:
    check(read(planner, request_text), expected)
