"""A handwritten portfolio directory for parser and planner tests."""

from __future__ import annotations

import pytest

from meta_agent.planning.resolve import PortfolioDirectory
from meta_agent.planning.rule_based import RuleBasedPlanner

ROWS = [
    ("orlando_fashion_square", "Orlando Fashion Square", "retail", "Orlando", "FL", "Orlando, FL"),
    ("orlando_airport_hotel", "Orlando Airport Hotel", "hotel", "Orlando", "FL", "Orlando, FL"),
    ("lake_nona_apartments", "Lake Nona Apartments", "multifamily", "Orlando", "FL", "Orlando, FL"),
    ("winter_park_village", "Winter Park Village", "retail", "Winter Park", "FL", "Orlando, FL"),
    ("tampa_bay_commons", "Tampa Bay Commons", "retail", "Tampa", "FL", "Tampa, FL"),
    ("brickell_city_tower", "Brickell City Tower", "office", "Miami", "FL", "Miami, FL"),
    ("galleria_dallas", "Galleria Dallas", "retail", "Dallas", "TX", "Dallas-Fort Worth, TX"),
    ("galleria_houston", "Galleria Houston", "retail", "Houston", "TX", "Houston, TX"),
    (
        "legacy_west_office",
        "Legacy West Office Tower",
        "office",
        "Plano",
        "TX",
        "Dallas-Fort Worth, TX",
    ),
    ("domain_tower", "The Domain Tower", "office", "Austin", "TX", "Austin, TX"),
    ("mueller_flats", "Mueller Flats", "multifamily", "Austin", "TX", "Austin, TX"),
    (
        "port_houston_logistics",
        "Port Houston Logistics Park",
        "industrial",
        "Houston",
        "TX",
        "Houston, TX",
    ),
    ("buckhead_grand_hotel", "Buckhead Grand Hotel", "hotel", "Atlanta", "GA", "Atlanta, GA"),
    ("midtown_lofts", "Midtown Lofts", "multifamily", "Atlanta", "GA", "Atlanta, GA"),
    (
        "peachtree_corners_flex",
        "Peachtree Corners Flex",
        "industrial",
        "Peachtree Corners",
        "GA",
        "Atlanta, GA",
    ),
    ("river_north_hotel", "River North Hotel", "hotel", "Chicago", "IL", "Chicago, IL"),
    (
        "fulton_market_exchange",
        "Fulton Market Exchange",
        "mixed_use",
        "Chicago",
        "IL",
        "Chicago, IL",
    ),
    (
        "south_lake_union_office",
        "South Lake Union Office",
        "office",
        "Seattle",
        "WA",
        "Seattle, WA",
    ),
    (
        "pearl_district_commons",
        "Pearl District Commons",
        "mixed_use",
        "Portland",
        "OR",
        "Portland, OR",
    ),
    ("scottsdale_quarter", "Scottsdale Quarter", "retail", "Scottsdale", "AZ", "Phoenix, AZ"),
    (
        "desert_ridge_logistics",
        "Desert Ridge Logistics Center",
        "industrial",
        "Phoenix",
        "AZ",
        "Phoenix, AZ",
    ),
    ("capital_plaza", "Capital Plaza", "retail", "Nashville", "TN", "Nashville, TN"),
]


@pytest.fixture(scope="session")
def directory() -> PortfolioDirectory:
    return PortfolioDirectory.from_rows(ROWS)


@pytest.fixture(scope="session")
def planner(directory: PortfolioDirectory) -> RuleBasedPlanner:
    return RuleBasedPlanner(directory)
