"""Offline providers: the portfolio's own records first, then the packaged GeoNames gazetteer.

They need no network and no configuration, so they are what a sandboxed script gets by default.
Precision is at best the portfolio's own coordinates for a portfolio address, otherwise the city
centre; demographics are the city's population and time zone only.
"""

from __future__ import annotations

import logging
from typing import Any

from meta_agent.errors import ToolError
from meta_agent.tool_library.providers import gazetteer, portfolio
from meta_agent.tool_library.providers.gazetteer import ParsedLocation, Place

logger = logging.getLogger(__name__)

# The demographic figures every provider returns (None where its source has no such figure).
DEMOGRAPHIC_FIELDS = (
    "population",
    "median_household_income",
    "median_age",
    "median_gross_rent",
    "median_home_value",
    "unemployment_rate",
    "housing_vacancy_rate",
)


def geocode_result(
    query: str,
    latitude: float,
    longitude: float,
    matched_address: str,
    city: str | None,
    state: str | None,
    source: str,
    precision: str,
    zip_code: str | None = None,
) -> dict[str, Any]:
    """The one shape every geocoder returns."""
    return {
        "query": query,
        "latitude": float(latitude),
        "longitude": float(longitude),
        "matched_address": matched_address,
        "city": city,
        "state": state,
        "zip": zip_code,
        "source": source,
        "precision": precision,
    }


def resolve_place(location: str) -> tuple[ParsedLocation, dict[str, Any] | None]:
    """Parse a location; a portfolio property id or name stands for that property's address."""
    found = portfolio.find_property(location)
    if found is not None:
        parsed = ParsedLocation(found["address"], found["city"], found["state"], found["zip"])
        return parsed, found
    parsed = gazetteer.parse_location(location)
    return parsed, portfolio.find_property_by_address(parsed)


def not_found(location: str, what: str) -> ToolError:
    """The error for a location no source could place."""
    hint = ""
    if not gazetteer.gazetteer_available():
        hint = (
            f" The offline gazetteer is unavailable: its data file {gazetteer.DATA_FILE!r} is "
            "missing or unreadable; reinstall meta-agent."
        )
    return ToolError(
        f"Could not {what} {location!r}: no portfolio property, portfolio market or US city of "
        "15,000+ people matches it. Write it as 'City, ST' (e.g. 'Orlando, FL'), a street "
        f"address ending in the city and state, or a property id.{hint}"
    )


class OfflineGeocoder:
    """Geocodes portfolio addresses and US cities without a network."""

    name = "offline"

    def geocode(self, address: str) -> dict[str, Any]:
        """Coordinates for an address or place."""
        parsed, found = resolve_place(address)
        if found is not None:
            matched = f"{found['address']}, {found['city']}, {found['state']} {found['zip']}"
            return geocode_result(
                address, found["latitude"], found["longitude"], matched, found["city"],
                found["state"], "portfolio", "address", found["zip"],
            )  # fmt: skip
        place = gazetteer.find_city(parsed.city, parsed.state) if parsed.city else None
        if place is not None:
            return geocode_result(
                address, place.latitude, place.longitude, place.label, place.name, place.state,
                gazetteer.GAZETTEER_NAME, "city", parsed.zip,
            )  # fmt: skip
        market = portfolio.market_centroid(address)
        if market is not None:
            return geocode_result(
                address, market["latitude"], market["longitude"], market["market"], None, None,
                "portfolio", "market",
            )  # fmt: skip
        raise not_found(address, "geocode")


class OfflineDemographics:
    """City population and time zone from the packaged gazetteer."""

    name = "offline"

    def demographics(self, location: str) -> dict[str, Any]:
        """Demographic figures for a US city."""
        parsed, _ = resolve_place(location)
        place = gazetteer.find_city(parsed.city, parsed.state) if parsed.city else None
        if place is None:
            if parsed.state and not parsed.city:
                raise ToolError(
                    f"Offline demographics cover US cities, not whole states ({location!r}); "
                    "name a city ('Orlando, FL') or set META_AGENT_CENSUS_URL to use the "
                    "Census ACS API."
                )
            raise not_found(location, "find demographics for")
        result = demographics_result(location, place, gazetteer.GAZETTEER_NAME)
        result["population"] = place.population
        result["dataset"] = gazetteer.GAZETTEER_DATASET
        return result


def demographics_result(location: str, place: Place | None, source: str) -> dict[str, Any]:
    """The one shape every demographics provider returns, figures all None until filled in."""
    result: dict[str, Any] = {
        "location": location,
        "name": place.label if place else None,
        "city": place.name if place else None,
        "state": place.state if place else None,
        "state_name": place.state_name if place else None,
        "state_fips": place.state_fips if place else None,
        "latitude": place.latitude if place else None,
        "longitude": place.longitude if place else None,
        "timezone": place.timezone if place else None,
        "source": source,
        "dataset": None,
    }
    result.update(dict.fromkeys(DEMOGRAPHIC_FIELDS))
    return result
