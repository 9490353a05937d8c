"""The sample portfolio against DOMAIN.md: identities on every row, the promised mix, determinism."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import sqlite3
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from meta_agent.errors import DatabaseError, PortfolioExists
from meta_agent.portfolio.generator import build_portfolio, generate_portfolio, portfolio_info

TABLES = ("properties", "financials", "loans", "valuations", "market_data")
TYPES = {"retail", "office", "multifamily", "industrial", "hotel", "mixed_use"}
END_OF_DATA = dt.date(2025, 12, 31)


def sqlite_rows(path: Path, table: str) -> list[dict[str, Any]]:
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(f"SELECT * FROM {table}")]


def day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def add_months(start: dt.date, months: int) -> dt.date:
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, start.day)


def level_payment(balance: float, rate: float, months: int) -> float:
    """The standard level monthly payment, written out independently of the generator."""
    monthly = rate / 12
    return balance * monthly * (1 + monthly) ** months / ((1 + monthly) ** months - 1)


def t12_by_property(financials: list[dict[str, Any]]) -> dict[str, float]:
    months: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for row in financials:
        months[row["property_id"]].append((row["period"], row["noi"]))
    return {pid: sum(noi for _, noi in sorted(rows)[-12:]) for pid, rows in months.items()}


def dscr_by_property(raw: dict[str, list[dict[str, Any]]]) -> dict[str, float | None]:
    noi = t12_by_property(raw["financials"])
    service: dict[str, float] = defaultdict(float)
    for loan in raw["loans"]:
        service[loan["property_id"]] += loan["annual_debt_service"]
    return {pid: (noi[pid] / service[pid] if service[pid] else None) for pid in noi}


# --- shape --------------------------------------------------------------------------------------


def test_default_size_types_and_markets(raw: dict[str, list[dict[str, Any]]]) -> None:
    props = raw["properties"]
    assert len(props) == 60
    assert {p["property_type"] for p in props} == TYPES
    markets = {p["market"] for p in props}
    assert len(markets) >= 15
    for p in props:
        assert p["market"] == f"{p['city']}, {p['state']}"
        assert len(p["state"]) == 2 and p["state"].isupper()
        assert len(p["zip"]) == 5 and p["zip"].isdigit()
        assert 24 < p["latitude"] < 49 and -125 < p["longitude"] < -66
        assert p["square_feet"] > 0 and 1900 < p["year_built"] <= 2025
        assert (p["units"] is not None) == (p["property_type"] in ("multifamily", "hotel"))
        assert day(p["acquisition_date"]) <= dt.date(2025, 12, 1)
        assert p["acquisition_price"] > 0


def test_orlando_fashion_square(raw: dict[str, list[dict[str, Any]]]) -> None:
    ofs = next(p for p in raw["properties"] if p["property_id"] == "orlando_fashion_square")
    assert ofs["name"] == "Orlando Fashion Square"
    assert ofs["property_type"] == "retail"
    assert (ofs["city"], ofs["state"], ofs["market"]) == ("Orlando", "FL", "Orlando, FL")
    assert abs(ofs["latitude"] - 28.55) < 0.05 and abs(ofs["longitude"] + 81.34) < 0.05
    assert any(loan["property_id"] == "orlando_fashion_square" for loan in raw["loans"])


def test_names_are_unique_readable_and_distinct(raw: dict[str, list[dict[str, Any]]]) -> None:
    from rapidfuzz import fuzz, process

    names = [p["name"] for p in raw["properties"]]
    ids = [p["property_id"] for p in raw["properties"]]
    assert len(set(names)) == len(names) and len(set(ids)) == len(ids)
    assert all(pid.replace("_", "").isalnum() and pid.islower() for pid in ids)
    firsts = [name.split()[0] for name in names]
    assert len(set(firsts)) == len(firsts), "every name starts with its own word"
    for name, first in zip(names, firsts, strict=True):
        (best, top, _), (_, second, _) = process.extract(first, names, scorer=fuzz.WRatio, limit=2)
        assert best == name and top - second >= 10, (first, best, second)
    # the distinctive word of a missing property users try comes close to no real one
    assert all(fuzz.ratio("sunset", first.lower()) < 70 for first in firsts)


def test_monthly_periods(raw: dict[str, list[dict[str, Any]]]) -> None:
    periods: dict[str, list[dt.date]] = defaultdict(list)
    for row in raw["financials"]:
        periods[row["property_id"]].append(day(row["period"]))
    expected = [dt.date(2023 + i // 12, i % 12 + 1, 1) for i in range(36)]
    assert len(periods) == 60
    assert all(sorted(found) == expected for found in periods.values())


# --- identities on every row --------------------------------------------------------------------


def test_financial_identities_hold_on_every_row(raw: dict[str, list[dict[str, Any]]]) -> None:
    money = ("gross_potential_rent", "vacancy_loss", "other_income", "effective_gross_income",
             "operating_expenses", "noi", "capex")  # fmt: skip
    for row in raw["financials"]:
        egi = row["gross_potential_rent"] - row["vacancy_loss"] + row["other_income"]
        assert abs(row["effective_gross_income"] - egi) < 0.005, row
        assert abs(row["noi"] - (row["effective_gross_income"] - row["operating_expenses"])) < 0.005
        assert row["vacancy_loss"] >= 0 and row["other_income"] >= 0 and row["capex"] >= 0
        assert 0 <= row["occupancy"] <= 1
        assert all(abs(row[c] * 100 - round(row[c] * 100)) < 1e-6 for c in money), row


def test_annual_debt_service_is_the_domain_formula(raw: dict[str, list[dict[str, Any]]]) -> None:
    for loan in raw["loans"]:
        balance, rate, months = (
            loan["original_balance"], loan["interest_rate"], loan["amortization_months"]
        )  # fmt: skip
        expected = balance * rate if months == 0 else 12 * level_payment(balance, rate, months)
        assert loan["annual_debt_service"] == pytest.approx(expected, rel=1e-12, abs=1e-6)


def test_current_balance_is_amortised_to_the_end_of_the_data(
    raw: dict[str, list[dict[str, Any]]],
) -> None:
    for loan in raw["loans"]:
        origination = day(loan["origination_date"])
        assert origination <= END_OF_DATA < day(loan["maturity_date"])
        assert day(loan["maturity_date"]) == add_months(origination, loan["term_months"])
        balance = loan["original_balance"]
        if loan["amortization_months"]:
            payment = level_payment(balance, loan["interest_rate"], loan["amortization_months"])
            for _ in range((2025 - origination.year) * 12 + 12 - origination.month):
                balance = balance * (1 + loan["interest_rate"] / 12) - payment
        assert loan["current_balance"] == pytest.approx(balance, abs=0.01)
        assert 0 < loan["current_balance"] <= loan["original_balance"]
        assert 0.02 < loan["interest_rate"] < 0.15


# --- the promised mix ---------------------------------------------------------------------------


def test_default_portfolio_has_the_promised_debt_mix(raw: dict[str, list[dict[str, Any]]]) -> None:
    dscr = dscr_by_property(raw)
    values = [v for v in dscr.values() if v is not None]
    no_debt = [pid for pid, v in dscr.items() if v is None]
    assert 4 <= len(no_debt) <= 8, "about 10% without debt"
    assert sum(v < 1.25 for v in values) >= 5, "several at risk"
    assert sum(v < 1.0 for v in values) >= 2, "a few below 1.0x"
    assert sum(1.25 <= v < 1.35 for v in values) >= 4, "a watch list"
    assert sum(v >= 1.35 for v in values) >= 30, "mostly healthy"
    loans_per_property = Counter(loan["property_id"] for loan in raw["loans"])
    assert max(loans_per_property.values()) == 2
    assert sum(n == 2 for n in loans_per_property.values()) >= 5, "several with two loans"
    assert sum(loan["amortization_months"] == 0 for loan in raw["loans"]) >= 5, "interest-only"
    assert dscr["orlando_fashion_square"] is not None


def test_values_are_plausible_per_type(raw: dict[str, list[dict[str, Any]]]) -> None:
    types = {p["property_id"]: p["property_type"] for p in raw["properties"]}
    egi: dict[str, float] = defaultdict(float)
    noi: dict[str, float] = defaultdict(float)
    for row in raw["financials"]:
        if row["period"] >= "2025-01-01":
            egi[row["property_id"]] += row["effective_gross_income"]
            noi[row["property_id"]] += row["noi"]
    margins: dict[str, list[float]] = defaultdict(list)
    for pid in noi:
        margins[types[pid]].append(noi[pid] / egi[pid])
    expected = {"hotel": (0.2, 0.4), "industrial": (0.65, 0.85), "multifamily": (0.5, 0.68),
                "retail": (0.58, 0.75), "office": (0.45, 0.65), "mixed_use": (0.52, 0.7)}  # fmt: skip
    for kind, (low, high) in expected.items():
        assert low < statistics.median(margins[kind]) < high, kind
    latest = sorted(raw["valuations"], key=lambda v: v["valuation_date"])
    value = {v["property_id"]: v["value"] for v in latest}
    cap_rates = [noi[pid] / value[pid] for pid in noi]
    assert all(0.03 < c < 0.13 for c in cap_rates)


def test_monthly_data_has_trend_and_hotel_seasonality(raw: dict[str, list[dict[str, Any]]]) -> None:
    types = {p["property_id"]: p["property_type"] for p in raw["properties"]}
    occupancy: dict[str, list[float]] = defaultdict(list)
    noi_by_year: dict[tuple[str, str], float] = defaultdict(float)
    for row in sorted(raw["financials"], key=lambda r: r["period"]):
        occupancy[row["property_id"]].append(row["occupancy"])
        noi_by_year[(row["property_id"], row["period"][:4])] += row["noi"]

    def swing(kind: str) -> float:
        return statistics.median(
            max(occ[:12]) - min(occ[:12]) for pid, occ in occupancy.items() if types[pid] == kind
        )

    assert swing("hotel") > 3 * swing("office")
    growth = [
        noi_by_year[(pid, "2025")] / noi_by_year[(pid, "2023")]
        for pid, kind in types.items()
        if kind in ("multifamily", "industrial")
    ]
    assert statistics.median(growth) > 1.02


def test_valuations_and_market_data(raw: dict[str, list[dict[str, Any]]]) -> None:
    props = {p["property_id"]: p for p in raw["properties"]}
    by_property: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in raw["valuations"]:
        by_property[row["property_id"]].append(row)
        assert row["method"] in ("appraisal", "broker_opinion", "internal") and row["value"] > 0
    assert set(by_property) == set(props)
    for pid, rows in by_property.items():
        assert 1 <= len(rows) <= 3
        first = min(rows, key=lambda r: r["valuation_date"])
        assert first["valuation_date"] == props[pid]["acquisition_date"]
        assert first["value"] == props[pid]["acquisition_price"] and first["method"] == "appraisal"
    assert Counter(len(rows) for rows in by_property.values()).keys() >= {1, 2, 3}
    quarters = defaultdict(set)
    for row in raw["market_data"]:
        quarters[(row["market"], row["property_type"])].add(row["period"])
        assert 0.03 < row["avg_cap_rate"] < 0.12 and 0 < row["vacancy_rate"] < 1
        assert row["avg_rent_psf"] > 0
    assert {p["market"] for p in props.values()} <= {market for market, _ in quarters}
    expected = {f"{2023 + q // 4}-{3 * (q % 4) + 1:02d}-01" for q in range(12)}
    assert all(found == expected for found in quarters.values())


# --- determinism, overwrite protection, info ------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_data(sample_db_path: Path, tmp_path: Path) -> None:
    again, other = tmp_path / "again.db", tmp_path / "other.db"
    generate_portfolio(f"sqlite:///{again}", seed=42)
    generate_portfolio(f"sqlite:///{other}", seed=7)
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (sample_db_path, again, other)]
    assert digest[0] == digest[1] != digest[2]
    for table in TABLES:
        assert sqlite_rows(sample_db_path, table) == sqlite_rows(again, table)
    assert sqlite_rows(sample_db_path, "financials") != sqlite_rows(other, "financials")
    ids = {row["property_id"] for row in sqlite_rows(other, "properties")}
    assert "orlando_fashion_square" in ids


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'folder' / 'p.db'}"
    summary = generate_portfolio(url, properties=12, seed=1)
    assert summary["rows"]["financials"] == 12 * 36 and summary["seconds"] >= 0
    with pytest.raises(PortfolioExists, match="--force"):
        generate_portfolio(url, properties=12, seed=2)
    assert portfolio_info(url)["seed"] == 1
    generate_portfolio(url, properties=15, seed=2, force=True)
    info = portfolio_info(url)
    assert info["seed"] == 2 and info["tables"]["properties"] == 15


def test_portfolio_info(sample_db_url: str, raw: dict[str, list[dict[str, Any]]]) -> None:
    info = portfolio_info(sample_db_url)
    assert info["tables"] == {table: len(raw[table]) for table in TABLES}
    assert (info["first_period"], info["last_period"]) == (
        dt.date(2023, 1, 1),
        dt.date(2025, 12, 1),
    )
    assert (
        sum(info["properties_by_type"].values()) == 60 and set(info["properties_by_type"]) == TYPES
    )
    assert info["markets"] == len({p["market"] for p in raw["properties"]})
    with_debt = {loan["property_id"] for loan in raw["loans"]}
    assert info["properties_without_debt"] == 60 - len(with_debt)
    assert info["loans"]["count"] == len(raw["loans"])
    assert info["loans"]["interest_only"] == sum(
        loan["amortization_months"] == 0 for loan in raw["loans"]
    )
    assert info["seed"] == 42


def test_info_on_a_missing_database_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="meta-agent db init"):
        portfolio_info(f"sqlite:///{tmp_path / 'absent.db'}")


def test_large_portfolios_get_numbered_unique_names() -> None:
    tables = build_portfolio(properties=500, seed=3)
    names = list(tables["properties"]["name"])
    ids = list(tables["properties"]["property_id"])
    assert len(set(names)) == 500 and len(set(ids)) == 500
    assert any(name.rsplit(" ", 1)[-1].isdigit() for name in names)
    assert "orlando_fashion_square" in ids
    counts = Counter(tables["properties"]["property_type"])
    assert set(counts) == TYPES
    assert len(tables["financials"]["noi"]) == 500 * 36


def test_size_is_validated() -> None:
    with pytest.raises(ValueError):
        build_portfolio(properties=0)
    single = build_portfolio(properties=1)
    assert list(single["properties"]["property_id"]) == ["orlando_fashion_square"]
    assert len(single["loans"]["loan_id"]) == 1


def test_mix_holds_for_other_seeds() -> None:
    for seed in (1, 2, 3):
        tables = build_portfolio(properties=60, seed=seed)
        noi = tables["financials"]["noi"].reshape(60, 36)[:, -12:].sum(axis=1)
        ids = list(tables["properties"]["property_id"])
        service: dict[str, float] = defaultdict(float)
        loans = tables["loans"]
        for pid, ads in zip(loans["property_id"], loans["annual_debt_service"], strict=True):
            service[pid] += ads
        dscr = [noi[i] / service[pid] for i, pid in enumerate(ids) if service[pid]]
        assert 50 <= len(dscr) <= 56
        assert sum(d < 1.25 for d in dscr) >= 5 and sum(d < 1.0 for d in dscr) >= 2
        assert not math.isnan(sum(dscr))
