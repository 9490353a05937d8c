"""Sources of external data behind two small protocols, chosen at call time from the environment.

    Geocoder            OfflineGeocoder (portfolio + GeoNames)   CensusGeocoder (META_AGENT_GEOCODER_URL)
    DemographicsSource  OfflineDemographics (GeoNames)           CensusDemographics (META_AGENT_CENSUS_URL)

Scripts run in a sandbox that only sees the variables the runtime injects, so the choice is made
on every call, never at import. Online providers go through ``http.get_json`` and so through the
host allow-list (META_AGENT_ALLOWED_HOSTS).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Protocol

GEOCODER_URL_ENV = "META_AGENT_GEOCODER_URL"
CENSUS_URL_ENV = "META_AGENT_CENSUS_URL"


class Geocoder(Protocol):
    """Turns an address or place into coordinates (see ``offline.geocode_result`` for the shape)."""

    name: str

    def geocode(self, address: str) -> dict[str, Any]: ...


class DemographicsSource(Protocol):
    """Demographic figures for a place (see ``offline.demographics_result`` for the shape)."""

    name: str

    def demographics(self, location: str) -> dict[str, Any]: ...


def select_geocoder(environ: Mapping[str, str] | None = None) -> Geocoder:
    """The Census geocoder when META_AGENT_GEOCODER_URL is set, else the offline one."""
    env = os.environ if environ is None else environ
    url = env.get(GEOCODER_URL_ENV, "").strip()
    if url:
        from meta_agent.tool_library.providers.census import CensusGeocoder

        return CensusGeocoder(url)
    from meta_agent.tool_library.providers.offline import OfflineGeocoder

    return OfflineGeocoder()


def select_demographics(environ: Mapping[str, str] | None = None) -> DemographicsSource:
    """The Census ACS source when META_AGENT_CENSUS_URL is set, else the offline one."""
    env = os.environ if environ is None else environ
    url = env.get(CENSUS_URL_ENV, "").strip()
    if url:
        from meta_agent.tool_library.providers.census import CensusDemographics
        from meta_agent.tool_library.providers.http import API_KEY_ENV

        return CensusDemographics(url, env.get(API_KEY_ENV, "").strip() or None)
    from meta_agent.tool_library.providers.offline import OfflineDemographics

    return OfflineDemographics()
