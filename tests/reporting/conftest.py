"""Synthetic portfolio frames with the CONTRACTS.md columns, consistent with DOMAIN.md's definitions.

Per-property monthly rows come first; the metrics (T12 NOI, DSCR...) and the portfolio totals are
derived from them exactly as the database tools derive them, so report figures can be checked.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.needs import unavailable

TYPES = ["retail", "office", "multifamily", "industrial", "hotel", "mixed_use"]
MARKETS = [
    ("Orlando", "FL"),
    ("Dallas", "TX"),
    ("Austin", "TX"),
    ("Atlanta", "GA"),
    ("Denver", "CO"),
    ("Phoenix", "AZ"),
    ("Chicago", "IL"),
    ("Seattle", "WA"),
    ("Boston", "MA"),
    ("Miami", "FL"),
]


def build_portfolio(
    n: int = 24, months: int = 36, seed: int = 7
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(metrics, monthly, property_monthly) for n properties over `months` months to 2025-12."""
    rng = np.random.default_rng(seed)
    ids = [f"prop_{i:05d}" for i in range(n)]
    ids[0] = "orlando_fashion_square"
    periods = pd.date_range(end="2025-12-01", periods=months, freq="MS")
    sqft = rng.integers(40_000, 600_000, n)
    base = sqft * rng.uniform(1.2, 2.4, n)  # monthly NOI
    growth = rng.normal(0.002, 0.006, n)
    t = np.arange(months)
    season = 1 + 0.04 * np.sin(2 * np.pi * (periods.month.to_numpy() - 1) / 12)
    noi = base[:, None] * (1 + growth[:, None]) ** t[None, :] * season[None, :]
    noi *= rng.normal(1, 0.02, (n, months))
    egi = noi / rng.uniform(0.55, 0.7, n)[:, None]
    occupancy = np.clip(rng.normal(0.9, 0.05, (n, 1)) + rng.normal(0, 0.01, (n, months)), 0.5, 1)
    long = pd.DataFrame(
        {
            "property_id": np.repeat(ids, months),
            "period": np.tile(periods.date, n),
            "noi": noi.ravel(),
            "effective_gross_income": egi.ravel(),
            "operating_expenses": (egi - noi).ravel(),
            "gross_potential_rent": (egi * 1.08).ravel(),
            "occupancy": occupancy.ravel(),
        }
    )
    t12 = noi[:, -12:].sum(axis=1)
    has_debt = rng.uniform(size=n) > 0.15
    has_debt[0] = True
    target_dscr = rng.uniform(0.85, 2.6, n)
    debt_service = np.where(has_debt, t12 / target_dscr, 0.0)
    value = t12 / rng.uniform(0.05, 0.085, n)
    balance = np.where(has_debt, value * rng.uniform(0.4, 0.75, n), 0.0)
    city_state = [MARKETS[i % len(MARKETS)] for i in rng.integers(0, len(MARKETS), n)]
    egi12, opex12 = egi[:, -12:].sum(axis=1), (egi - noi)[:, -12:].sum(axis=1)
    metrics = pd.DataFrame(
        {
            "property_id": ids,
            "name": ["Orlando Fashion Square"] + [f"Synthetic Property {i}" for i in range(1, n)],
            "property_type": ["retail"] + [TYPES[i % len(TYPES)] for i in range(1, n)],
            "city": [c for c, _ in city_state],
            "state": [s for _, s in city_state],
            "market": [f"{c}, {s}" for c, s in city_state],
            "square_feet": sqft,
            "units": [None] * n,
            "year_built": rng.integers(1970, 2020, n),
            "latitude": rng.uniform(25, 47, n),
            "longitude": rng.uniform(-122, -71, n),
            "latest_period": [periods[-1].date()] * n,
            "noi": t12,
            "egi": egi12,
            "operating_expenses": opex12,
            "expense_ratio": opex12 / egi12,
            "debt_service": debt_service,
            "loan_balance": balance,
            "loan_count": np.where(has_debt, 1, 0),
            "value": value,
            "dscr": np.where(has_debt, t12 / np.where(has_debt, debt_service, 1), np.nan),
            "cap_rate": t12 / value,
            "ltv": balance / value,
            "debt_yield": np.where(has_debt, t12 / np.where(has_debt, balance, 1), np.nan),
            "occupancy": occupancy[:, -1],
            "has_debt": has_debt,
        }
    )
    weights = np.repeat(sqft, months)
    monthly = (
        long.assign(_w=weights, _wo=long["occupancy"] * weights)
        .groupby("period", sort=True)
        .agg(
            noi=("noi", "sum"),
            effective_gross_income=("effective_gross_income", "sum"),
            operating_expenses=("operating_expenses", "sum"),
            gross_potential_rent=("gross_potential_rent", "sum"),
            _wo=("_wo", "sum"),
            _w=("_w", "sum"),
            property_count=("property_id", "nunique"),
        )
        .reset_index()
    )
    monthly.insert(5, "occupancy", monthly.pop("_wo") / monthly.pop("_w"))
    return metrics, monthly, long[["property_id", "period", "noi", "occupancy"]]


@pytest.fixture(scope="session")
def synthetic_portfolio() -> Callable[..., tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """A factory: synthetic_portfolio(n=24, months=36, seed=7) -> (metrics, monthly, property_monthly)."""
    return build_portfolio


def _render_page(path: Path, page: int, out: Path) -> Path:
    """Render one PDF page to PNG with pdftoppm (poppler); skip when it is not installed."""
    executable = shutil.which("pdftoppm") or (
        "/usr/bin/pdftoppm" if Path("/usr/bin/pdftoppm").exists() else None
    )
    if executable is None:
        unavailable("pdftoppm (poppler-utils) is not installed; cannot render the PDF")
    prefix = out / f"page{page}"
    subprocess.run(
        [
            executable,
            "-png",
            "-r",
            "60",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(path),
            str(prefix),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return prefix.with_suffix(".png")


@pytest.fixture(scope="session")
def render_pdf_page() -> Callable[[Path, int, Path], Path]:
    """render_pdf_page(pdf, page_number, out_folder) -> the PNG; skips without pdftoppm."""
    return _render_page
