"""Online providers for the US Census Bureau's public APIs, called through the allow-listed client.

- Geocoder: ``{META_AGENT_GEOCODER_URL}/locations/onelineaddress`` (the Census Geocoder, e.g.
  ``https://geocoding.geo.census.gov/geocoder``), benchmark ``Public_AR_Current``.
- Demographics: an ACS dataset URL (``META_AGENT_CENSUS_URL``, e.g.
  ``https://api.census.gov/data/2022/acs/acs5``) asked for the variables in ``ACS_VARIABLES``,
  with ``META_AGENT_EXTERNAL_API_KEY`` sent as ``key`` when set.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from meta_agent.errors import ExternalServiceError, ToolError
from meta_agent.tool_library.providers import gazetteer
from meta_agent.tool_library.providers.http import get_json
from meta_agent.tool_library.providers.offline import (
    OfflineGeocoder,
    demographics_result,
    geocode_result,
    resolve_place,
)

logger = logging.getLogger(__name__)

GEOCODER_PATH = "/locations/onelineaddress"
GEOCODER_BENCHMARK = "Public_AR_Current"
ACS_VARIABLES = {
    "B01003_001E": "population",
    "B19013_001E": "median_household_income",
    "B01002_001E": "median_age",
    "B25064_001E": "median_gross_rent",
    "B25077_001E": "median_home_value",
    "B23025_003E": "civilian_labor_force",
    "B23025_005E": "unemployed",
    "B25002_001E": "housing_units",
    "B25002_003E": "vacant_housing_units",
}
# Trailing words the Census adds to place names: "Orlando city", "Urban Honolulu CDP", ...
_PLACE_DESCRIPTORS = (
    "city and borough", "metropolitan government", "metro government", "consolidated government",
    "unified government", "urban county", "municipality", "borough", "village", "city", "town",
    "cdp",
)  # fmt: skip


class CensusGeocoder:
    """Street-level geocoding with the US Census Geocoder; places it cannot match go offline."""

    name = "census_geocoder"

    def __init__(self, base_url: str) -> None:
        url = base_url.rstrip("/")
        self.url = url if url.endswith("onelineaddress") else url + GEOCODER_PATH

    def geocode(self, address: str) -> dict[str, Any]:
        """Coordinates for a US street address."""
        params = {"address": address, "benchmark": GEOCODER_BENCHMARK, "format": "json"}
        data = get_json(self.url, params)["data"]
        try:
            matches = data["result"]["addressMatches"]
        except (KeyError, TypeError):
            raise ExternalServiceError(
                f"The geocoder at {self.url} answered without result.addressMatches; check that "
                "META_AGENT_GEOCODER_URL points at a Census Geocoder."
            ) from None
        if not matches:
            # A city or market ("Orlando, FL") has no street match; the offline sources know it.
            logger.info("no street-level match, geocoding offline", extra={"query": address})
            return OfflineGeocoder().geocode(address)
        best = matches[0]
        parts = best.get("addressComponents") or {}
        return geocode_result(
            address, best["coordinates"]["y"], best["coordinates"]["x"], best["matchedAddress"],
            (parts.get("city") or "").title() or None, parts.get("state") or None,
            self.name, "address", parts.get("zip") or None,
        )  # fmt: skip


class CensusDemographics:
    """American Community Survey figures for a US place or state."""

    name = "census_acs"

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        self.url = base_url.rstrip("/")
        self.api_key = api_key or None

    def demographics(self, location: str) -> dict[str, Any]:
        """ACS figures for a city (a Census place) or a state."""
        parsed, _ = resolve_place(location)
        place = gazetteer.find_city(parsed.city, parsed.state) if parsed.city else None
        state = place.state if place else parsed.state
        info = gazetteer.state_info(state) if state else None
        if info is None:
            raise ToolError(
                f"Could not tell which US state {location!r} is in; write it as 'City, ST' or "
                "a state name."
            )
        params: dict[str, Any] = {"get": ",".join(["NAME", *ACS_VARIABLES])}
        if parsed.city:
            params.update({"for": "place:*", "in": f"state:{info['fips']}"})
        else:
            params["for"] = f"state:{info['fips']}"
        if self.api_key:
            params["key"] = self.api_key
        rows = _table(get_json(self.url, params)["data"], self.url)
        city_name = place.name if place else parsed.city
        row = _match_place(rows, city_name) if city_name else (rows[0] if rows else None)
        if row is None:
            raise ToolError(
                f"The Census ACS has no place matching {city_name!r} in {info['name']}; "
                "check the spelling or ask for the state."
            )
        result = demographics_result(location, place, self.name)
        result.update(state=info["code"], state_name=info["name"], state_fips=info["fips"])
        result.update(name=row.get("NAME"), dataset=self.url, **_figures(row))
        if not parsed.city:
            result["city"] = None
        return result


def _table(data: Any, url: str) -> list[dict[str, Any]]:
    """ACS answers are a header row then data rows; give them as dicts."""
    if not isinstance(data, list) or not data or not all(isinstance(r, list) for r in data):
        raise ExternalServiceError(
            f"The Census API at {url} answered in an unexpected shape (not a table of rows); "
            "check that META_AGENT_CENSUS_URL is an ACS dataset URL such as "
            "https://api.census.gov/data/2022/acs/acs5."
        )
    header = [str(name) for name in data[0]]
    return [dict(zip(header, row, strict=False)) for row in data[1:]]


def _place_key(census_name: str) -> str:
    key = gazetteer.name_key(census_name.split(",")[0]).removesuffix(" balance")
    for descriptor in _PLACE_DESCRIPTORS:
        if key.endswith(" " + descriptor):
            key = key[: -len(descriptor) - 1]
            break
    return key.removeprefix("urban ")


def _match_place(rows: list[dict[str, Any]], city: str) -> dict[str, Any] | None:
    """The ACS row of a city: exact name first, else the most populous "City-..." place."""
    wanted = gazetteer.name_key(city)
    exact = [row for row in rows if _place_key(str(row.get("NAME", ""))) == wanted]
    prefix = [row for row in rows if _place_key(str(row.get("NAME", ""))).startswith(wanted + " ")]
    candidates = exact or prefix
    if not candidates:
        return None
    return max(candidates, key=lambda row: _number(row.get("B01003_001E")) or 0.0)


def _number(value: Any) -> float | None:
    """An ACS value as a number; the API's negative codes (-666666666, ...) mean "not available"."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number < 0 and re.fullmatch(r"-[2-9]{9}(\.0+)?", str(value)) else number


def _figures(row: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: _number(row.get(code)) for code, name in ACS_VARIABLES.items()}
    labour, unemployed = values["civilian_labor_force"], values["unemployed"]
    units, vacant = values["housing_units"], values["vacant_housing_units"]
    population = values["population"]
    return {
        "population": int(population) if population is not None else None,
        "median_household_income": values["median_household_income"],
        "median_age": values["median_age"],
        "median_gross_rent": values["median_gross_rent"],
        "median_home_value": values["median_home_value"],
        "unemployment_rate": unemployed / labour if labour and unemployed is not None else None,
        "housing_vacancy_rate": vacant / units if units and vacant is not None else None,
    }
