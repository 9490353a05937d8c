"""Loans and valuations of the sample portfolio, sized from each property's statements.

Loans are sized backwards from a target DSCR, so the promised mix is there whatever the seed:
about 10% of properties carry no debt, and of the rest the riskiest-looking (offices and hotels
first) fall below 1.0x or 1.25x, the next ones on the 1.25x-1.35x watch list, the others healthy.
Each loan's ``annual_debt_service`` is the DOMAIN.md formula applied to its stored terms.
"""

from __future__ import annotations

import numpy as np

from meta_agent.formulas import annual_debt_service_vector
from meta_agent.portfolio.reference import (
    AGENCY_LENDERS,
    BASE_RATES,
    LENDERS,
    MEZZANINE_LENDERS,
    PROFILES,
)
from meta_agent.portfolio.schema import PROPERTY_TYPES, VALUATION_METHODS
from meta_agent.portfolio.synthesis import (
    END_MONTH,
    START_MONTH,
    Columns,
    Drivers,
    cap_rate_shift,
    cents,
    counts_for,
    market_cap_rate,
    month_dates,
)

# DSCR bands by share of the portfolio; "none" carries no debt.
DSCR_BANDS: dict[str, tuple[float, float, float]] = {
    "none": (0.10, 0.0, 0.0),
    "below_one": (0.05, 0.80, 0.97),
    "at_risk": (0.08, 1.03, 1.22),
    "watch": (0.12, 1.265, 1.335),
    "healthy": (0.65, 1.40, 2.40),
}
# How exposed a type was to 2023-2025's higher rates and softer demand; ranks who is at risk.
TYPE_RISK = {
    "office": 1.2,
    "hotel": 0.8,
    "retail": 0.5,
    "mixed_use": 0.2,
    "multifamily": -0.2,
    "industrial": -0.6,
}
TWO_LOAN_SHARE = 0.18  # of properties with debt: a senior loan plus a mezzanine loan
RATE_STEP = 1 / 800  # rates are quoted in eighths of a percent
RECENT_ORIGINATION = 2022 * 12 + 6  # loans on the riskier half were written after mid-2022
HIGHEST_STRESSED_BAND = 2  # bands 1 and 2: DSCR below 1.25x
WATCH_BAND = 3


def remaining_balance(
    balance: np.ndarray, rate: np.ndarray, amortization_months: np.ndarray, payments: np.ndarray
) -> np.ndarray:
    """Balance left after ``payments`` level monthly payments (unchanged when interest-only)."""
    monthly = rate / 12
    growth = (1 + monthly) ** payments
    payment = annual_debt_service_vector(balance, rate, amortization_months) / 12
    amortized = balance * growth - payment * (growth - 1) / monthly
    return np.where(amortization_months > 0, np.maximum(amortized, 0.0), balance)


def debt_bands(rng: np.random.Generator, types: np.ndarray, keep_debt: int = -1) -> np.ndarray:
    """A DSCR band index per property (into DSCR_BANDS), riskier types ranked first."""
    n = len(types)
    counts = counts_for(n, np.array([share for share, _, _ in DSCR_BANDS.values()]))
    candidates = np.array([i for i in range(n) if i != keep_debt])
    no_debt = rng.choice(candidates, size=min(counts[0], len(candidates)), replace=False)
    bands = np.zeros(n, dtype=np.int64)
    indebted = np.setdiff1d(np.arange(n), no_debt)
    risk = np.array([TYPE_RISK[PROPERTY_TYPES[t]] for t in types[indebted]])
    ranked = indebted[np.argsort(-(risk + rng.normal(0, 1, len(indebted))), kind="stable")]
    labels = np.repeat(np.arange(1, len(DSCR_BANDS)), counts[1:])
    labels = np.concatenate([labels, np.full(len(ranked) - len(labels), len(DSCR_BANDS) - 1)])
    bands[ranked] = labels[: len(ranked)]
    return bands


def loans_table(
    rng: np.random.Generator, d: Drivers, t12_noi: np.ndarray, keep_debt: int
) -> Columns:
    """Loans sized so each property's DSCR lands in its band; sorted by property then seniority."""
    count = len(d.size)
    bands = debt_bands(rng, d.type_index, keep_debt)
    band_lo = np.array([lo for _, lo, _ in DSCR_BANDS.values()])[bands]
    band_hi = np.array([hi for _, _, hi in DSCR_BANDS.values()])[bands]
    target = rng.uniform(band_lo, band_hi)
    indebted = np.flatnonzero(bands > 0)
    two = rng.choice(indebted, size=round(TWO_LOAN_SHARE * len(indebted)), replace=False)
    senior_share = np.ones(count)
    senior_share[two] = rng.uniform(0.72, 0.85, len(two))

    prop = np.concatenate([indebted, np.sort(two)])
    seq = np.concatenate([np.ones(len(indebted), np.int64), np.full(len(two), 2)])
    order = np.lexsort((seq, prop))
    prop, seq = prop[order], seq[order]
    mezz = seq == 2
    n = len(prop)
    types = d.type_index[prop]
    stressed = bands[prop] <= HIGHEST_STRESSED_BAND  # below 1.0x or at risk
    recent = bands[prop] <= WATCH_BAND

    term = np.where(mezz, rng.choice([36, 60], n), rng.choice([60, 84, 120], n, p=[0.3, 0.3, 0.4]))
    origination, day = _originations(rng, d.acquisition_month[prop], term, recent)
    rate = _rates(rng, origination, types, stressed, mezz)
    amortization = _amortization(rng, types, mezz, stressed)

    # Size backwards from the target DSCR. Healthy loans are also held to a loan-to-value target
    # (LTV = cap rate * sum(share / loan constant) / DSCR), as a lender would size them.
    share = np.where(mezz, 1 - senior_share[prop], senior_share[prop])
    constant = annual_debt_service_vector(np.ones(n), rate, amortization)
    leverage = np.bincount(prop, weights=share / constant, minlength=count)
    ltv_target = rng.uniform(0.45, 0.70, count)
    floor = rng.uniform(1.40, 1.55, count)
    ltv_dscr = leverage * market_cap_rate(d.type_index, d.market_index) / ltv_target
    target = np.where(bands == len(DSCR_BANDS) - 1, np.maximum(floor, ltv_dscr), target)
    debt_service = t12_noi[prop] / target[prop] * share
    original = np.maximum(np.round(debt_service / constant, -3), 10_000.0)
    return {
        "row_property": prop,
        "lender": _lenders(rng, types, mezz),
        "original_balance": original,
        "current_balance": cents(
            remaining_balance(original, rate, amortization, END_MONTH - origination)
        ),
        "interest_rate": rate,
        "amortization_months": amortization,
        "term_months": term.astype(np.int64),
        "origination_date": month_dates(origination, day),
        "maturity_date": month_dates(origination + term, day),
        "annual_debt_service": annual_debt_service_vector(original, rate, amortization),
    }


def _originations(
    rng: np.random.Generator, acquired: np.ndarray, term: np.ndarray, recent: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Origination month and day: after the purchase, still outstanding at the end of the data."""
    latest = END_MONTH - 2
    earliest = np.maximum(acquired, END_MONTH - term + 3)
    earliest = np.where(recent, np.maximum(earliest, RECENT_ORIGINATION), earliest)
    earliest = np.minimum(earliest, latest)
    month = earliest + np.floor(rng.random(len(term)) * (latest - earliest + 1)).astype(np.int64)
    return month, rng.integers(1, 29, len(term))


def _rates(
    rng: np.random.Generator,
    origination: np.ndarray,
    types: np.ndarray,
    stressed: np.ndarray,
    mezz: np.ndarray,
) -> np.ndarray:
    """Coupon: the origination year's base rate, the type's spread, and a premium for risk."""
    n = len(types)
    first, last = min(BASE_RATES), max(BASE_RATES)
    base = np.array([BASE_RATES[y] for y in range(first, last + 1)])
    rate = (
        base[np.clip(origination // 12, first, last) - first]
        + np.array([PROFILES[t].rate_spread for t in PROPERTY_TYPES])[types]
        + rng.normal(0, 0.002, n)
        + np.where(stressed, 0.004, 0.0)
        + np.where(mezz, rng.uniform(0.025, 0.040, n), 0.0)
    )
    quoted: np.ndarray = np.round(rate / RATE_STEP) * RATE_STEP
    return quoted


def _amortization(
    rng: np.random.Generator, types: np.ndarray, mezz: np.ndarray, stressed: np.ndarray
) -> np.ndarray:
    """Months of amortization, 0 for interest-only (most mezzanine loans, never stressed seniors)."""
    n = len(types)
    io_share = np.array([PROFILES[t].interest_only for t in PROPERTY_TYPES])[types]
    io_share = np.where(mezz, 0.8, np.where(stressed, 0.0, io_share))
    interest_only = rng.random(n) < io_share
    picks = rng.integers(0, 12, n)
    schedule = np.array(
        [
            PROFILES[PROPERTY_TYPES[t]].amortization[
                k % len(PROFILES[PROPERTY_TYPES[t]].amortization)
            ]
            for t, k in zip(types.tolist(), picks.tolist(), strict=True)
        ]
    )
    # Stressed loans were written short (20-25 years), which is also why they bite now.
    schedule = np.where(stressed & ~mezz, np.where(picks % 2 == 0, 240, 300), schedule)
    return np.where(interest_only, 0, schedule).astype(np.int64)


def valuations_table(
    rng: np.random.Generator,
    d: Drivers,
    acquisition_date: np.ndarray,
    first_year_noi: np.ndarray,
    t12_noi: np.ndarray,
) -> tuple[Columns, np.ndarray]:
    """One to three valuations per property, and the acquisition prices they start from."""
    n = len(d.size)
    acquisition_year = d.acquisition_month // 12
    growth = np.clip(d.growth, -0.01, 0.05)
    years_back = (d.acquisition_month - (START_MONTH + 6)) / 12
    noi_then = first_year_noi * (1 + growth) ** years_back
    cap_then = (
        market_cap_rate(d.type_index, d.market_index)
        + cap_rate_shift(acquisition_year)
        + rng.normal(0, 0.002, n)
    )
    price = np.round(noi_then / np.maximum(cap_then, 0.03), -4)

    cap_now = market_cap_rate(d.type_index, d.market_index) + rng.normal(0, 0.002, n)
    latest_value = np.round(
        t12_noi / np.maximum(cap_now, 0.03) * np.exp(rng.normal(0, 0.04, n)), -3
    )
    latest_date = month_dates(END_MONTH - rng.integers(0, 10, n), rng.integers(1, 29, n))
    recent = d.acquisition_month >= END_MONTH - 17
    count = np.where(
        recent, 1, np.where((rng.random(n) < 0.55) & (d.acquisition_month < START_MONTH), 3, 2)
    )
    gap = (latest_date - acquisition_date).astype(np.int64)
    fraction = rng.uniform(0.35, 0.75, n)
    middle_date = acquisition_date + (gap * fraction).astype(np.int64)
    middle_value = np.round(
        (price + (latest_value - price) * fraction) * np.exp(rng.normal(0, 0.03, n)), -3
    )

    methods = np.array(VALUATION_METHODS, dtype=object)
    slots = {
        "valuation_date": np.stack([acquisition_date, middle_date, latest_date], axis=1),
        "value": np.stack([price, middle_value, latest_value], axis=1),
        "method": np.stack(
            [
                np.full(n, "appraisal", dtype=object),
                methods[rng.choice(3, n, p=[0.25, 0.45, 0.30])],
                methods[rng.choice(3, n, p=[0.45, 0.20, 0.35])],
            ],
            axis=1,
        ),
    }
    keep = np.stack([np.ones(n, bool), count == 3, count >= 2], axis=1)
    table: Columns = {"row_property": np.nonzero(keep)[0]}
    table.update({name: values[keep] for name, values in slots.items()})
    return table, price


def _lenders(rng: np.random.Generator, types: np.ndarray, mezz: np.ndarray) -> np.ndarray:
    n = len(types)
    multifamily = types == PROPERTY_TYPES.index("multifamily")
    agency = multifamily & (rng.random(n) < 0.6)
    pick = rng.integers(0, 1 << 30, n)
    return np.array(
        [
            MEZZANINE_LENDERS[k % len(MEZZANINE_LENDERS)]
            if m
            else AGENCY_LENDERS[k % len(AGENCY_LENDERS)]
            if a
            else LENDERS[k % len(LENDERS)]
            for m, a, k in zip(mezz.tolist(), agency.tolist(), pick.tolist(), strict=True)
        ],
        dtype=object,
    )
