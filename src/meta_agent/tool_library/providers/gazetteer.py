"""Offline US places: parse "City, ST" out of free text and look cities up in GeoNames data.

The city data is a compact extract of GeoNames ``cities15000`` shipped with the package
(``data/us_places.json.gz``: the US cities of 15,000 people or more with name, state, coordinates,
population, time zone and ASCII alternate names, and the US states; data CC BY 4.0 GeoNames).
``scripts/build_gazetteer.py`` rebuilds it. It is read once per process, on the first lookup.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

logger = logging.getLogger(__name__)

GAZETTEER_NAME = "geonames"
GAZETTEER_DATASET = "GeoNames cities15000 (packaged extract)"
DATA_FILE = "data/us_places.json.gz"
_DATA_PACKAGE = "meta_agent.tool_library.providers"
EARTH_RADIUS_MILES = 3958.7613
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_ZIP = re.compile(r"\s*\b(\d{5})(?:-\d{4})?$")
_COUNTRY_SUFFIX = re.compile(r",?\s*(usa|u\.s\.a\.|us|u\.s\.|united states( of america)?)$", re.I)
# Spelled-out and abbreviated forms of the same word become one key ("St. Louis", "Saint Louis").
_WORD_FORMS = {"saint": "st", "fort": "ft", "mount": "mt", "sainte": "ste"}


@dataclass(frozen=True)
class Place:
    """A US city from the gazetteer."""

    name: str
    state: str
    state_name: str
    state_fips: str
    latitude: float
    longitude: float
    population: int
    timezone: str
    geonameid: int

    @property
    def label(self) -> str:
        return f"{self.name}, {self.state}"


@dataclass(frozen=True)
class ParsedLocation:
    """The parts of a free-text US location: "1 Main St, Orlando, FL 32801"."""

    street: str | None
    city: str | None
    state: str | None
    zip: str | None


def name_key(text: str) -> str:
    """A comparison key for place names: ASCII, case-folded, punctuation and word forms unified."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = _NOT_WORD.sub(" ", text.casefold().replace(".", "")).split()
    return " ".join(_WORD_FORMS.get(word, word) for word in words)


def parse_location(text: str) -> ParsedLocation:
    """Split free text into street, city, two-letter state and ZIP (each None when absent)."""
    if not isinstance(text, str):
        raise TypeError(f"a location must be a string, not {type(text).__name__}")
    text = _COUNTRY_SUFFIX.sub("", " ".join(text.split())).strip(" ,")
    parts = [part.strip() for part in text.split(",") if part.strip()]
    zip_code = state = None
    if parts:
        match = _ZIP.search(parts[-1])
        if match:
            zip_code = match.group(1)
            parts[-1] = parts[-1][: match.start()].strip()
            if not parts[-1]:
                parts.pop()
    if parts:
        state = state_code(parts[-1])
        if state:
            parts.pop()
        else:
            words = parts[-1].split()
            for size in (3, 2, 1):
                if len(words) > size and (code := state_code(" ".join(words[-size:]))):
                    state, parts[-1] = code, " ".join(words[:-size])
                    break
    city = parts[-1] if parts else None
    street = ", ".join(parts[:-1]) or None
    return ParsedLocation(street=street, city=city, state=state, zip=zip_code)


def state_code(text: str) -> str | None:
    """The two-letter code for a state written as a code or a name, else None."""
    states = _states()
    if states is None:
        return None
    key = name_key(text)
    if len(key) == 2 and key.upper() in states:
        return key.upper()
    for code, info in states.items():
        if name_key(info["name"]) == key:
            return code
    return None


def state_info(code: str) -> dict[str, str] | None:
    """``{"code", "name", "fips"}`` for a two-letter state code, else None."""
    states = _states()
    info = states.get(code.upper()) if states else None
    return {"code": info["code"], "name": info["name"], "fips": info["fips"]} if info else None


def find_city(city: str, state: str | None = None) -> Place | None:
    """The best gazetteer match for a city (in ``state`` when given): most populous first."""
    primary = _city_index()
    if primary is None:
        return None
    words = name_key(city).split()
    # "123 Main St Orlando" without commas: the city is the longest trailing run of words that
    # names one, so try the whole text first and then shorter tails. Alternate names (which
    # include airport codes such as "SEA") count only for the whole text.
    for start in range(len(words)):
        key = " ".join(words[start:])
        found = _best(primary.get(key, ()), state)
        if found is None and start == 0:
            found = _best(_alternate_index().get(key, ()), state)
        if found is not None:
            return found
    return None


def _best(places: Sequence[Place], state: str | None) -> Place | None:
    return next((p for p in places if state is None or p.state == state), None)


def gazetteer_available() -> bool:
    """True when the packaged gazetteer data can be loaded."""
    return _city_index() is not None


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def _states() -> dict[str, dict[str, str]] | None:
    """States by two-letter code: ``{"code", "name", "fips"}``."""
    loaded = _load()
    return loaded[0] if loaded else None


def _us_cities() -> list[tuple[Place, list[str]]] | None:
    """Every US city of the extract with its ASCII alternate names."""
    loaded = _load()
    return loaded[1] if loaded else None


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, dict[str, str]], list[tuple[Place, list[str]]]] | None:
    """The packaged extract as states and places, read once per process (None if unreadable)."""
    import gzip
    import json
    from importlib import resources

    try:
        raw = resources.files(_DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
        data = json.loads(gzip.decompress(raw))
    except (OSError, EOFError, ValueError) as exc:
        logger.warning("offline gazetteer unavailable: cannot read %s: %s", DATA_FILE, exc)
        return None
    if data.get("format") != 1:
        logger.warning("offline gazetteer unavailable: unknown %s format", DATA_FILE)
        return None
    states = {
        code: {"code": code, "name": name, "fips": fips} for code, name, fips in data["states"]
    }
    timezones = data["timezones"]
    cities = []
    # Row layout: data["fields"], i.e. id, name, state, lat, lon, population, tz index, alternates.
    for geonameid, name, state, lat, lon, population, tz, alternates in data["cities"]:
        info = states[state]
        place = Place(
            name=name,
            state=state,
            state_name=info["name"],
            state_fips=info["fips"],
            latitude=float(lat),
            longitude=float(lon),
            population=int(population),
            timezone=timezones[tz],
            geonameid=int(geonameid),
        )
        cities.append((place, alternates))
    return states, cities


@lru_cache(maxsize=1)
def _city_index() -> dict[str, list[Place]] | None:
    """Cities by name key, most populous first."""
    cities = _us_cities()
    if cities is None:
        return None
    index: dict[str, list[Place]] = {}
    for place, _ in cities:
        index.setdefault(name_key(place.name), []).append(place)
    return _sorted(index)


@lru_cache(maxsize=1)
def _alternate_index() -> dict[str, list[Place]]:
    """Cities by their other names ("New York" for New York City), built only when needed."""
    index: dict[str, list[Place]] = {}
    for place, names in _us_cities() or []:
        own = name_key(place.name)
        for key in {name_key(n) for n in names} - {own, ""}:
            index.setdefault(key, []).append(place)
    return _sorted(index)


def _sorted(index: dict[str, list[Place]]) -> dict[str, list[Place]]:
    for places in index.values():
        places.sort(key=lambda p: (-p.population, p.geonameid))
    return index
