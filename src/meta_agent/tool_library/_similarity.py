"""The similarity score find_similar_properties ranks peers by: size, age and location.

score = 100 * (1 - (0.4 * d_size + 0.3 * d_age + 0.3 * d_location)), each distance in [0, 1]:

- d_size = |ln(square_feet / target square_feet)| / ln 4, capped at 1 (4x bigger or smaller is
  fully unlike);
- d_age = |year_built - target year_built| / 40, capped at 1;
- d_location = 0 in the same market, else 0.5 + 0.5 * min(1, great-circle km / 2000).

A missing input counts as fully unlike (distance 1). Imported by the analysis tools when called.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

# Weights and spans of the score in the module docstring.
SIZE_WEIGHT, AGE_WEIGHT, LOCATION_WEIGHT = 0.4, 0.3, 0.3
SIZE_RATIO_SPAN = 4.0  # a property 4x larger (or smaller) or more counts as fully unlike in size
AGE_SPAN_YEARS = 40.0  # 40 years apart or more counts as fully unlike in age
DISTANCE_SPAN_KM = 2000.0  # roughly coast to middle of the country
OTHER_MARKET_PENALTY = 0.5  # a different market starts half-way to fully unlike, however close
EARTH_RADIUS_KM = 6371.0088


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    values: np.ndarray = pd.to_numeric(frame[name], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    return values


def _distance_km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    """Great-circle (haversine) distance from one point."""
    phi, phi0 = np.radians(lat), math.radians(lat0)
    half = (
        np.sin((phi - phi0) / 2) ** 2
        + math.cos(phi0) * np.cos(phi) * np.sin(np.radians(lon - lon0) / 2) ** 2
    )
    distance: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(half, 0.0, 1.0)))
    return distance


def similarity_scores(target: pd.Series, candidates: pd.DataFrame) -> np.ndarray:
    """Similarity of each candidate to the target, 0 (unlike) to 100 (same size, age, market)."""

    def value(name: str) -> float:
        number = target.get(name)
        try:
            return float(number)
        except (TypeError, ValueError):
            return math.nan

    with np.errstate(all="ignore"):
        size = np.abs(np.log(_column(candidates, "square_feet") / value("square_feet")))
        d_size = np.minimum(size / math.log(SIZE_RATIO_SPAN), 1.0)
        d_age = np.minimum(
            np.abs(_column(candidates, "year_built") - value("year_built")) / AGE_SPAN_YEARS, 1.0
        )
        km = _distance_km(
            _column(candidates, "latitude"),
            _column(candidates, "longitude"),
            value("latitude"),
            value("longitude"),
        )
        d_far = OTHER_MARKET_PENALTY + (1 - OTHER_MARKET_PENALTY) * np.minimum(
            km / DISTANCE_SPAN_KM, 1.0
        )
    same_market = np.zeros(len(candidates), dtype=bool)
    if "market" in candidates.columns and isinstance(target.get("market"), str):
        same_market = (candidates["market"] == target["market"]).to_numpy(
            dtype=bool, na_value=False
        )
    d_location = np.where(same_market, 0.0, d_far)
    distances = [np.nan_to_num(d, nan=1.0) for d in (d_size, d_age, d_location)]
    weighted = (
        SIZE_WEIGHT * distances[0] + AGE_WEIGHT * distances[1] + LOCATION_WEIGHT * distances[2]
    )
    return 100.0 * (1.0 - weighted)
