"""The sample portfolio as numpy columns: properties, monthly financials and market benchmarks.

Everything is drawn at once per table (no per-property Python loop but the names), from child
generators of one ``SeedSequence``, so a seed always gives the same portfolio. Money is rounded
to cents; the derived columns (EGI, NOI) are computed from the rounded parts and rounded again,
so the identities of DOMAIN.md hold on every stored row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from meta_agent.portfolio.reference import (
    CAP_RATE_SHIFT,
    MARKETS,
    NAME_PREFIXES,
    ORLANDO_FASHION_SQUARE,
    PROFILES,
    STREETS,
    TypeProfile,
)
from meta_agent.portfolio.schema import PROPERTY_TYPES

Columns = dict[str, Any]

FIRST_YEAR = 2023
MONTHS = 36  # 2023-01 .. 2025-12
START_MONTH = FIRST_YEAR * 12  # month index: year * 12 + month - 1
END_MONTH = START_MONTH + MONTHS - 1
EXPENSE_INFLATION = 0.035  # a year: insurance, taxes and payroll ran ahead of rents
ACQUISITION_WINDOW = ("2008-01-01", "2025-06-30")


@dataclass
class Drivers:
    """Per-property operating assumptions the monthly statements are drawn from (not stored)."""

    type_index: np.ndarray
    market_index: np.ndarray
    size: np.ndarray  # square feet, or units / keys for multifamily and hotels
    rent: np.ndarray
    occupancy: np.ndarray
    drift: np.ndarray
    growth: np.ndarray
    expense_ratio: np.ndarray
    acquisition_month: np.ndarray


def month_dates(month_index: np.ndarray, day: np.ndarray | int = 1) -> np.ndarray:
    """datetime64[D] dates from month indexes (year * 12 + month - 1) and days of the month."""
    months = (np.asarray(month_index) - 1970 * 12).astype("datetime64[M]")
    dates: np.ndarray = months.astype("datetime64[D]") + (np.asarray(day) - 1)
    return dates


def month_index(dates: np.ndarray) -> np.ndarray:
    """Month indexes (year * 12 + month - 1) of datetime64 dates."""
    return np.asarray(dates).astype("datetime64[M]").astype(np.int64) + 1970 * 12


def cents(values: np.ndarray) -> np.ndarray:
    """Money rounded to cents."""
    return np.round(values, 2)


def counts_for(n: int, shares: np.ndarray) -> np.ndarray:
    """How many of n fall in each category, in exact proportion to shares (largest remainder)."""
    shares = np.asarray(shares, dtype=float) / np.sum(shares)
    exact = shares * n
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    result: np.ndarray = counts
    return result


def allocate(rng: np.random.Generator, n: int, shares: np.ndarray) -> np.ndarray:
    """n category indexes in exact proportions, in random order."""
    return rng.permutation(np.repeat(np.arange(len(shares)), counts_for(n, shares)))


def slug(name: str) -> str:
    """A property id from a display name: lower case words joined by underscores."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def properties_table(rng: np.random.Generator, n: int) -> tuple[Columns, Drivers]:
    """The properties rows (sorted by property_id) and the drivers behind their statements."""
    shares = per_type(lambda p: p.share)
    types = np.concatenate([[0], allocate(rng, n - 1, shares)])  # 0: Orlando Fashion Square
    # every market once before any twice, so even small portfolios cover them all
    markets = np.concatenate([rng.permutation(len(MARKETS)), rng.integers(0, len(MARKETS), n)])
    markets = np.concatenate([[0], markets[: n - 1]])  # MARKETS[0] is Orlando
    names = _names(rng, types)
    size, square_feet, units = _sizes(rng, types)
    start, end = (np.datetime64(d) for d in ACQUISITION_WINDOW)
    acquisition = start + (rng.beta(2.2, 1.5, n) * (end - start).astype(np.int64)).astype(np.int64)
    acquisition_year = acquisition.astype("datetime64[Y]").astype(np.int64) + 1970
    built = rng.integers(
        per_type(lambda p: p.year_built[0])[types], per_type(lambda p: p.year_built[1])[types] + 1
    )
    year_built = np.minimum(built, acquisition_year - 1)
    drivers = Drivers(
        type_index=types,
        market_index=markets,
        size=size,
        rent=rng.uniform(per_type(lambda p: p.rent[0])[types], per_type(lambda p: p.rent[1])[types])
        * np.array([m.rent_factor for m in MARKETS])[markets],
        occupancy=rng.uniform(
            per_type(lambda p: p.occupancy[0])[types], per_type(lambda p: p.occupancy[1])[types]
        ),
        drift=per_type(lambda p: p.occupancy_drift)[types] + rng.normal(0, 0.006, n),
        growth=per_type(lambda p: p.growth)[types] + rng.normal(0, 0.012, n),
        expense_ratio=rng.uniform(
            per_type(lambda p: p.expense_ratio[0])[types],
            per_type(lambda p: p.expense_ratio[1])[types],
        ),
        acquisition_month=np.zeros(n, dtype=np.int64),
    )
    # Orlando Fashion Square: a large, older enclosed mall, bought in 2016, losing ground slowly.
    ofs = ORLANDO_FASHION_SQUARE
    drivers.size[0] = square_feet[0] = ofs["square_feet"]
    drivers.rent[0], drivers.occupancy[0] = ofs["rent"], ofs["occupancy"]
    drivers.drift[0], drivers.growth[0] = -0.006, 0.004
    year_built[0], acquisition[0] = ofs["year_built"], np.datetime64(ofs["acquisition_date"])
    drivers.acquisition_month = month_index(acquisition)

    ids = [slug(name) for name in names]
    ids[0] = ofs["property_id"]
    table: Columns = {
        "property_id": np.array(ids, dtype=object),
        "name": np.array(names, dtype=object),
        "property_type": np.array(PROPERTY_TYPES, dtype=object)[types],
        **_locations(rng, markets),
        "year_built": year_built.astype(np.int64),
        "square_feet": square_feet.astype(np.int64),
        "units": units,
        "acquisition_date": acquisition,
    }
    order = np.argsort(np.array(ids), kind="stable")
    return {k: v[order] for k, v in table.items()}, _reorder(drivers, order)


def per_type(field: Callable[[TypeProfile], Any]) -> np.ndarray:
    """One value of the type profiles per property type, in PROPERTY_TYPES order."""
    return np.array([field(PROFILES[t]) for t in PROPERTY_TYPES])


def _sizes(rng: np.random.Generator, types: np.ndarray) -> tuple[np.ndarray, ...]:
    """Size drivers (sf, or units/keys), square feet, and the nullable ``units`` column."""
    n = len(types)
    size = np.exp(rng.uniform(np.log(per_type(lambda p: p.size[0])[types]),
                              np.log(per_type(lambda p: p.size[1])[types])))  # fmt: skip
    hotel = types == PROPERTY_TYPES.index("hotel")
    per_unit = hotel | (types == PROPERTY_TYPES.index("multifamily"))
    size = np.where(per_unit, np.round(size), np.round(size, -2))
    unit_area = np.where(hotel, rng.uniform(520, 760, n), rng.uniform(950, 1180, n))
    square_feet = np.where(per_unit, np.round(size * unit_area, -2), size)
    units = np.array(
        [int(s) if u else None for s, u in zip(size.tolist(), per_unit, strict=True)], dtype=object
    )
    return size, square_feet, units


def _locations(rng: np.random.Generator, markets: np.ndarray) -> Columns:
    """Address, city, state, ZIP, market and coordinates (the city centre plus a few miles)."""
    n = len(markets)
    market = [MARKETS[i] for i in markets.tolist()]
    latitude = np.array([m.latitude for m in market]) + rng.normal(0, 0.04, n)
    longitude = np.array([m.longitude for m in market]) + rng.normal(0, 0.05, n)
    zips = [
        f"{m.zip_prefix}{z % m.zip_max + 1:02d}"
        for m, z in zip(market, rng.integers(0, 99, n).tolist(), strict=True)
    ]
    numbers, streets = rng.integers(100, 9900, n), rng.integers(0, len(STREETS), n)
    address = [f"{a} {STREETS[s]}" for a, s in zip(numbers.tolist(), streets.tolist(), strict=True)]
    ofs = ORLANDO_FASHION_SQUARE
    latitude[0], longitude[0], address[0], zips[0] = (
        ofs["latitude"], ofs["longitude"], ofs["address"], ofs["zip"]
    )  # fmt: skip
    return {
        "address": np.array(address, dtype=object),
        "city": np.array([m.city for m in market], dtype=object),
        "state": np.array([m.state for m in market], dtype=object),
        "zip": np.array(zips, dtype=object),
        "market": np.array([m.name for m in market], dtype=object),
        "latitude": np.round(latitude, 6),
        "longitude": np.round(longitude, 6),
    }


def financials_table(rng: np.random.Generator, d: Drivers) -> Columns:
    """36 monthly statements per property with trend, seasonality and noise, as flat columns."""
    n = len(d.size)
    t = np.arange(MONTHS)
    month = t % 12
    hotel = (d.type_index == PROPERTY_TYPES.index("hotel"))[:, None]
    multifamily = (d.type_index == PROPERTY_TYPES.index("multifamily"))[:, None]
    retail = (d.type_index == PROPERTY_TYPES.index("retail"))[:, None]
    warm = np.array([m.warm for m in MARKETS])[d.market_index][:, None]
    # Hotels in warm markets peak in March, elsewhere in July; utilities follow the heat.
    season = np.cos(2 * np.pi * (month - np.where(warm, 2, 6)) / 12)
    period = month_dates(START_MONTH + t)
    days = (
        (period + np.timedelta64(31, "D")).astype("datetime64[M]").astype("datetime64[D]")
        - period.astype("datetime64[M]").astype("datetime64[D]")
    ).astype(float)

    growth = (1 + d.growth[:, None]) ** (t / 12)
    base = d.size * d.rent
    monthly = np.where(
        hotel, base[:, None] * days, np.where(multifamily, base[:, None], base[:, None] / 12)
    )
    gpr = monthly * growth * (1 + rng.normal(0, 0.004, (n, MONTHS)))
    gpr *= np.where(hotel, 1 + 0.06 * season, 1.0)

    walk_sd = np.where(hotel[:, 0], 0.012, 0.004)[:, None]
    walk = np.cumsum(rng.normal(0, 1, (n, MONTHS)) * walk_sd, axis=1)
    walk -= walk.mean(axis=1, keepdims=True)
    amplitude = np.where(hotel, 0.09, np.where(multifamily, 0.006, 0.0))
    occupancy = d.occupancy[:, None] + d.drift[:, None] * (t / 12 - 1.5) + walk + amplitude * season
    occupancy = np.round(
        np.clip(occupancy, np.where(hotel, 0.30, 0.35), np.where(hotel, 0.95, 0.995)), 4
    )

    credit_loss = np.where(hotel[:, 0], 0.0, rng.uniform(0.003, 0.012, n))[:, None]
    vacancy = gpr * (1 - occupancy + credit_loss)
    other_share = np.array([PROFILES[k].other_income for k in PROPERTY_TYPES])[d.type_index][
        :, None
    ]
    holiday = np.where(retail, np.select([month == 11, month == 10], [0.5, 0.2], 0.0), 0.0)
    other = gpr * occupancy * other_share * (1 + holiday) * (1 + rng.normal(0, 0.04, (n, MONTHS)))

    gpr, vacancy, other = cents(gpr), cents(vacancy), cents(np.maximum(other, 0))
    egi = cents(gpr - vacancy + other)
    fixed_share = np.array([PROFILES[k].fixed_expenses for k in PROPERTY_TYPES])[d.type_index]
    ratio = d.expense_ratio[:, None]
    level = egi[:, :12].mean(axis=1, keepdims=True) * (1 + EXPENSE_INFLATION) ** (t / 12)
    fixed = ratio * fixed_share[:, None] * level * (1 + 0.03 * np.cos(2 * np.pi * (month - 7) / 12))
    variable = ratio * (1 - fixed_share[:, None]) * egi
    opex = cents((fixed + variable) * (1 + rng.normal(0, 0.025, (n, MONTHS))))
    noi = cents(egi - opex)

    reserve = (
        egi * rng.uniform(0.015, 0.04, n)[:, None] * np.abs(1 + rng.normal(0, 0.15, (n, MONTHS)))
    )
    projects = (rng.random((n, MONTHS)) < 0.03) * egi * rng.uniform(0.3, 1.2, (n, MONTHS))
    capex = cents(np.maximum(reserve + projects, 0))
    return {
        "row_property": np.repeat(np.arange(n), MONTHS),
        "period": np.tile(period, n),
        "gross_potential_rent": gpr.ravel(),
        "vacancy_loss": vacancy.ravel(),
        "other_income": other.ravel(),
        "effective_gross_income": egi.ravel(),
        "operating_expenses": opex.ravel(),
        "noi": noi.ravel(),
        "capex": capex.ravel(),
        "occupancy": occupancy.ravel(),
    }


def market_cap_rate(type_index: np.ndarray, market_index: np.ndarray) -> np.ndarray:
    """The 2025 market cap rate of a property type in a market."""
    base = np.array([PROFILES[t].cap_rate for t in PROPERTY_TYPES])[type_index]
    rate: np.ndarray = base + np.array([m.cap_adjustment for m in MARKETS])[market_index]
    return rate


def cap_rate_shift(years: np.ndarray) -> np.ndarray:
    """How far cap rates of a year sat from 2025's (rates were lower before 2022)."""
    table = np.array([CAP_RATE_SHIFT[y] for y in sorted(CAP_RATE_SHIFT)])
    first = min(CAP_RATE_SHIFT)
    shift: np.ndarray = table[np.clip(np.asarray(years) - first, 0, len(table) - 1)]
    return shift


def market_data_table(rng: np.random.Generator) -> Columns:
    """Quarterly cap rate, rent and vacancy benchmarks per market and property type."""
    quarters = np.arange(MONTHS // 3)
    m_idx, t_idx, q = (
        a.ravel()
        for a in np.meshgrid(
            np.arange(len(MARKETS)), np.arange(len(PROPERTY_TYPES)), quarters, indexing="ij"
        )
    )
    profiles = [PROFILES[t] for t in PROPERTY_TYPES]
    # Cap rates rose about 30 bp through 2023 into mid-2024, then held.
    rise = np.minimum(q, 6) / 6 * 0.003 - 0.003
    cap = market_cap_rate(t_idx, m_idx) + rise + rng.normal(0, 0.0008, len(q))
    mid_rent = np.array([sum(p.rent) / 2 for p in profiles])
    rent_psf = mid_rent.copy()
    rent_psf[PROPERTY_TYPES.index("multifamily")] = (
        mid_rent[PROPERTY_TYPES.index("multifamily")] * 12 / 950
    )
    hotel = PROPERTY_TYPES.index("hotel")
    rent_psf[hotel] = mid_rent[hotel] * sum(profiles[hotel].occupancy) / 2 * 365 / 640
    growth = np.array([p.growth for p in profiles])[t_idx]
    rent = (
        rent_psf[t_idx]
        * np.array([m.rent_factor for m in MARKETS])[m_idx]
        * (1 + growth) ** (q / 4)
        * (1 + rng.normal(0, 0.01, len(q)))
    )
    vacancy = (
        1
        - np.array([sum(p.occupancy) / 2 for p in profiles])[t_idx]
        - np.array([p.occupancy_drift for p in profiles])[t_idx] * q / 4
        + rng.normal(0, 0.005, len(q))
    )
    return {
        "market": np.array([m.name for m in MARKETS], dtype=object)[m_idx],
        "property_type": np.array(PROPERTY_TYPES, dtype=object)[t_idx],
        "period": month_dates(START_MONTH + 3 * q),
        "avg_cap_rate": np.round(cap, 5),
        "avg_rent_psf": cents(rent),
        "vacancy_rate": np.round(np.clip(vacancy, 0.01, 0.6), 4),
    }


def _names(rng: np.random.Generator, types: np.ndarray) -> list[str]:
    """Unique display names: a distinct prefix per property, a numbered cycle past the prefixes."""
    prefixes = rng.permutation(len(NAME_PREFIXES))
    names = [str(ORLANDO_FASHION_SQUARE["name"])]
    picks = rng.integers(0, 1 << 30, len(types))
    for i, (kind, pick) in enumerate(zip(types[1:].tolist(), picks[1:].tolist(), strict=True)):
        suffixes = PROFILES[PROPERTY_TYPES[kind]].suffixes
        cycle, slot = divmod(i, len(NAME_PREFIXES))
        name = f"{NAME_PREFIXES[prefixes[slot]]} {suffixes[pick % len(suffixes)]}"
        names.append(f"{name} {cycle + 1}" if cycle else name)
    return names


def _reorder(d: Drivers, order: np.ndarray) -> Drivers:
    return Drivers(*(getattr(d, f.name)[order] for f in fields(Drivers)))
