"""The directory, fuzzy property names, places, and ordinary words that must not become names."""

from __future__ import annotations

import pytest

from meta_agent.errors import RequestRejected
from meta_agent.planning.resolve import PortfolioDirectory, Resolver, name_tokens
from meta_agent.planning.rule_based import RuleBasedPlanner

from .conftest import ROWS


def test_directory_from_tuples_and_mappings() -> None:
    columns = ("property_id", "name", "property_type", "city", "state", "market")
    from_tuples = PortfolioDirectory.from_rows(ROWS)
    from_dicts = PortfolioDirectory.from_rows(dict(zip(columns, row, strict=True)) for row in ROWS)
    assert from_tuples == from_dicts
    assert len(from_tuples) == len(ROWS)
    assert from_tuples.ids == sorted(from_tuples.ids)
    assert from_tuples.types == [
        "hotel", "industrial", "mixed_use", "multifamily", "office", "retail"
    ]  # fmt: skip
    assert "Orlando, FL" in from_tuples.markets and "FL" in from_tuples.states
    entry = from_tuples.get("orlando_fashion_square")
    assert entry is not None and entry.property_type == "retail" and entry.city == "Orlando"
    assert [e.property_id for e in from_tuples.where(state=["GA"], property_type=["hotel"])] == [
        "buckhead_grand_hotel"
    ]


def test_name_tokens_spell_out_abbreviations() -> None:
    assert name_tokens("Orlando Fashion Sq.") == ("orlando", "fashion", "square")
    assert name_tokens("Pinecrest Inn & Suites") == ("pinecrest", "inn", "and", "suites")


@pytest.mark.parametrize(
    ("request_text", "property_id", "exact"),
    [
        ("DSCR for Orlando Fashion Square", "orlando_fashion_square", True),
        ("dscr for ORLANDO FASHION SQUARE", "orlando_fashion_square", True),
        ("dscr for orlando fashon sq", "orlando_fashion_square", False),
        ("what about fashion square?", "orlando_fashion_square", False),
        ("NOI at the Domain Tower", "domain_tower", True),
        ("Legacy West occupancy", "legacy_west_office", False),
        ("desert ridge logistcs center LTV", "desert_ridge_logistics", False),
        ("river north hotel debt yield", "river_north_hotel", True),
        ("Winter Park Village NOI", "winter_park_village", True),
        ("orlando_fashion_square", "orlando_fashion_square", True),
        ("what’s the LTV on Orlando Fashion Square", "orlando_fashion_square", True),
    ],
)
def test_property_names_are_found(
    planner: RuleBasedPlanner, request_text: str, property_id: str, exact: bool
) -> None:
    analysis = planner.analyse(request_text)
    assert [p.property_id for p in analysis.properties] == [property_id]
    assert analysis.properties[0].exact is exact
    if not exact:
        assert any(property_id in line for line in analysis.interpretations)


@pytest.mark.parametrize(
    "request_text",
    [
        "grand total NOI by market",  # "Grand" is a word of Buckhead Grand Hotel
        "hotel occupancy",
        "industrial park cap rates",  # every industrial park, not one of them
        "average occupancy over the last quarter",  # "Quarter" ends Scottsdale Quarter
        "DSCR north of 1.5x",  # "North" is a word of River North Hotel
        "top 5 properties by debt yield in the Orlando market",
        "NOI in Winter Park",  # the city, not Winter Park Village
        "capital expenditure trend",  # "Capital" is a word of Capital Plaza
        "office tower cap rates",
        "commons and plazas by NOI, top 3",
    ],
)
def test_ordinary_words_do_not_become_property_names(
    planner: RuleBasedPlanner, request_text: str
) -> None:
    try:
        analysis = planner.analyse(request_text)
    except RequestRejected as rejected:  # refusing is fine; naming a property is not
        assert "could be more than one property" not in str(rejected)
        return
    assert analysis.properties == []


def test_two_properties_side_by_side(planner: RuleBasedPlanner) -> None:
    analysis = planner.analyse("DSCR for Mueller Flats and Midtown Lofts")
    assert [p.property_id for p in analysis.properties] == ["mueller_flats", "midtown_lofts"]


def test_an_ambiguous_partial_name_is_refused_with_both_names(
    directory: PortfolioDirectory,
) -> None:
    with pytest.raises(RequestRejected) as caught:
        RuleBasedPlanner(directory).analyse("Galleria NOI")
    assert caught.value.suggestions == ["Galleria Dallas", "Galleria Houston"]


def test_close_names_judge_the_distinctive_words(directory: PortfolioDirectory) -> None:
    resolver = Resolver(directory)
    assert resolver.close_names("Lake Nona Plaza") == ["Lake Nona Apartments"]
    assert resolver.close_names("Sunset Plaza Mall") == []


@pytest.mark.parametrize(
    ("request_text", "scope"),
    [
        ("DSCR in TX", {"states": ["TX"]}),
        ("DSCR in tx", {"states": ["TX"]}),
        ("DSCR in Texas", {"states": ["TX"]}),
        ("DSCR IN OR", {"states": []}),  # all capitals: "IN" and "OR" stay words
        ("DSCR IN TX", {"states": ["TX"]}),
        ("occupancy in OR", {"states": ["OR"]}),
        ("LTV OR DSCR for office", {"states": []}),
        ("cap rate in the Orlando market", {"markets": ["Orlando, FL"]}),
        ("cap rate in Orlando, FL", {"markets": ["Orlando, FL"], "states": []}),
        ("NOI in Plano", {"cities": ["Plano"]}),
        ("DSCR in dfw", {"markets": ["Dallas-Fort Worth, TX"]}),
        ("DSCR in Orlnado", {"markets": ["Orlando, FL"]}),
    ],
)
def test_places(planner: RuleBasedPlanner, request_text: str, scope: dict[str, list[str]]) -> None:
    analysis = planner.analyse(request_text)
    for key, value in scope.items():
        assert getattr(analysis.scope, key) == value, key
