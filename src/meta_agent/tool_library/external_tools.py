"""External data tools: allow-listed JSON APIs, geocoding, market benchmarks and demographics.

Every tool works offline out of the box (the portfolio's own tables and the packaged GeoNames
gazetteer). Online sources are used only when configured in the environment the tool runs in:
META_AGENT_GEOCODER_URL, META_AGENT_CENSUS_URL, META_AGENT_EXTERNAL_API_KEY, and every host they
reach must be in META_AGENT_ALLOWED_HOSTS. In a sandbox, the tools hold neither network nor key:
their requests go to the run's broker on the host (META_AGENT_BROKER, see runtime/broker.py),
which enforces the allow-list and adds the key. See ``providers/`` for the sources themselves.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from meta_agent.errors import ExternalServiceError, ToolError
from meta_agent.tool_library.tool_registry import tool

logger = logging.getLogger(__name__)

# A metro area is at most ~100 miles across; 500 covers a region and keeps the query bounded.
MAX_RADIUS_MILES = 500.0


@tool(category="external", version="1.0.0", side_effects=["uses_network"])
def call_external_api(endpoint: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET a JSON API on an allow-listed host; returns {"url", "status_code", "data"}.

    Only http(s) URLs whose host is in META_AGENT_ALLOWED_HOSTS are called, without credentials
    in the URL and without following redirects to another host. Connection errors, 429 and 5xx
    answers are retried with exponential backoff (Retry-After honoured up to 30 s); answers must
    be JSON of at most 5 MiB. Every failure raises ExternalServiceError saying what to do.

    Args:
        endpoint: the full URL, e.g. "https://api.census.gov/data/2022/acs/acs5".
        params: query parameters added to the URL (strings, numbers, booleans or lists of them).
    """
    from meta_agent.tool_library.providers.http import get_json

    return get_json(endpoint, params)


@tool(category="external", version="1.0.0", side_effects=["uses_network", "reads_database"])
def geocode_address(address: str) -> dict[str, Any]:
    """Latitude and longitude for a US address, city or portfolio property.

    Returns ``query, latitude, longitude, matched_address, city, state, zip, source, precision``.
    ``source`` is "portfolio" (a portfolio property's own coordinates), "geonames" (offline city
    centre) or "census_geocoder" (the online Census Geocoder, when META_AGENT_GEOCODER_URL is
    set); ``precision`` is "address", "city" or "market".

    Args:
        address: e.g. "1 Main St, Orlando, FL 32801", "Orlando, FL" or a property id.
    """
    from meta_agent.tool_library.providers import select_geocoder

    geocoder = select_geocoder()
    return geocoder.geocode(_location_text(address, "address"))


@tool(category="external", version="1.0.0", side_effects=["reads_database", "uses_network"])
def fetch_market_data(location: str, radius: float = 25.0) -> dict[str, Any]:
    """Market benchmarks for a location and the portfolio properties within a radius of it.

    Returns ``location, market, latitude, longitude, radius_miles, resolved_from,
    latest_period, benchmarks`` (DataFrame: the market's ``market_data`` rows of the latest
    quarter, one per property type), ``history`` (DataFrame: every quarter), ``properties``
    (DataFrame: properties within the radius, nearest first, with ``distance_miles``) and
    ``property_count``. The market is the one named by the location (or the location's property),
    else that of the nearest portfolio property within the radius; None when there is none.

    Args:
        location: a market ("Orlando, FL"), a US city or address, or a property id.
        radius: miles (great-circle) around the location, between 0 and 500.
    """
    from meta_agent.tool_library.providers import portfolio, select_geocoder

    text = _location_text(location, "location")
    radius = _radius(radius)
    market: str | None = None
    found = portfolio.find_property(text)
    if found is not None:
        latitude, longitude = found["latitude"], found["longitude"]
        market, resolved_from = found["market"], "property"
    else:
        named = portfolio.market_centroid(text)
        try:
            point = select_geocoder().geocode(text)
            latitude, longitude, resolved_from = (
                point["latitude"],
                point["longitude"],
                point["source"],
            )
        except ExternalServiceError:
            raise
        except ToolError:  # not a place the geocoders know, but a portfolio market
            if named is None:
                raise
            latitude, longitude, resolved_from = named["latitude"], named["longitude"], "market"
        market = named["market"] if named else None
    nearby = portfolio.properties_within(latitude, longitude, radius)
    if market is None and not nearby.empty:
        market = str(nearby["market"].iloc[0])
    history = portfolio.market_benchmarks(market)
    latest = history["period"].max() if not history.empty else None
    benchmarks = history[history["period"] == latest].reset_index(drop=True)
    logger.info(
        "market data fetched",
        extra={"market": market, "radius": radius, "properties": len(nearby)},
    )
    return {
        "location": text,
        "market": market,
        "latitude": float(latitude),
        "longitude": float(longitude),
        "radius_miles": radius,
        "resolved_from": resolved_from,
        "latest_period": latest,
        "benchmarks": benchmarks,
        "history": history,
        "properties": nearby,
        "property_count": len(nearby),
    }


@tool(category="external", version="1.0.0", side_effects=["uses_network", "reads_database"])
def get_demographics(location: str) -> dict[str, Any]:
    """Demographic figures for a US city, state or portfolio property's city.

    Returns ``location, name, city, state, state_name, state_fips, latitude, longitude, timezone,
    source, dataset`` and the figures ``population, median_household_income, median_age,
    median_gross_rent, median_home_value, unemployment_rate, housing_vacancy_rate`` (None where
    the source has none). Offline (default) gives GeoNames population and time zone; with
    META_AGENT_CENSUS_URL set, the Census ACS API gives every figure.

    Args:
        location: e.g. "Orlando, FL", "Florida" (online only) or a property id.
    """
    from meta_agent.tool_library.providers import select_demographics

    source = select_demographics()
    return source.demographics(_location_text(location, "location"))


def _location_text(value: str, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__}")
    text = " ".join(value.split())
    if not text:
        raise ToolError(f"The {what} is empty; give a US address, a 'City, ST' or a property id.")
    return text


def _radius(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"radius must be a number of miles, not {type(value).__name__}")
    radius = float(value)
    if not math.isfinite(radius) or not 0 < radius <= MAX_RADIUS_MILES:
        raise ToolError(
            f"radius {value!r} is out of range; give a distance in miles above 0 and at most "
            f"{MAX_RADIUS_MILES:g}."
        )
    return radius
