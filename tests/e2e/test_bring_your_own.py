"""Bring your own portfolio, end to end: the answers stay right.

The sample portfolio is laid out the way a company database might hold it (other table and
column names, amounts in cents, rates in percent, no stored debt service), mapped with a YAML file,
and asked the architecture plan's use cases through the real sandbox: every data file comes out
byte for byte as on the same portfolio loaded in DOMAIN.md's own shape. The import round trip is
checked the same way on SQLite.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from meta_agent.config import Settings
from meta_agent.pipeline import Pipeline
from tests.exports import export_csv

USE_CASES = (
    "Calculate DSCR for all properties and identify at-risk assets",
    "Compare Orlando Fashion Square performance against 5 similar properties",
    "Run DSCR scenarios with 10%, 20%, 30% NOI decrease for all properties",
)

SHAPED = """
CREATE TABLE assets (
    asset_code text PRIMARY KEY, asset_name text, kind text, street text, town text, st text,
    postal text, msa text, lat double precision, lng double precision, built integer,
    rentable_sf integer, unit_count integer, acquired date, price_cents bigint);
CREATE TABLE monthly_ops (
    asset_code text, month date, gpr_cents bigint, vacancy_cents bigint, other_cents bigint,
    egi_cents bigint, opex_cents bigint, noi_cents bigint, capex_cents bigint,
    occupancy_pct numeric, PRIMARY KEY (asset_code, month));
CREATE TABLE debt (
    loan_no text PRIMARY KEY, asset_code text, bank text, orig_cents bigint, upb_cents bigint,
    rate_pct numeric, amort integer, term integer, funded date, matures date,
    payment_annual numeric);
CREATE TABLE appraisals (asset_code text, as_of date, value_cents bigint, how text);
CREATE TABLE benchmarks (
    msa text, kind text, quarter date, cap_pct numeric, rent double precision, vac_pct numeric);
"""

MAPPING = """
properties:
  from: assets
  columns:
    property_id: asset_code
    name: asset_name
    property_type: kind
    address: street
    city: town
    state: st
    zip: postal
    market: msa
    latitude: lat
    longitude: lng
    year_built: built
    square_feet: rentable_sf
    units: unit_count
    acquisition_date: acquired
    acquisition_price: price_cents / 100.0
financials:
  from: monthly_ops
  columns:
    property_id: asset_code
    period: month
    gross_potential_rent: gpr_cents / 100.0
    vacancy_loss: vacancy_cents / 100.0
    other_income: other_cents / 100.0
    effective_gross_income: egi_cents / 100.0
    operating_expenses: opex_cents / 100.0
    noi: noi_cents / 100.0
    capex: capex_cents / 100.0
    occupancy: occupancy_pct / 100
loans:
  from: debt
  columns:
    loan_id: loan_no
    property_id: asset_code
    lender: bank
    original_balance: orig_cents / 100.0
    current_balance: upb_cents / 100.0
    interest_rate: rate_pct / 100
    amortization_months: amort
    term_months: term
    origination_date: funded
    maturity_date: matures
    annual_debt_service: payment_annual
valuations:
  from: appraisals
  columns:
    property_id: asset_code
    valuation_date: as_of
    value: value_cents / 100.0
    method: how
market_data:
  from: benchmarks
  columns:
    market: msa
    property_type: kind
    period: quarter
    avg_cap_rate: cap_pct / 100
    avg_rent_psf: rent
    vacancy_rate: vac_pct / 100
"""


def _cents(value: float) -> int:
    return round(value * 100)


def _percent(value: float) -> str:
    # An exact decimal: PostgreSQL divides NUMERIC exactly, then rounds once to a double.
    from decimal import Decimal

    return str(Decimal(repr(value)) * 100)


def _shaped_rows(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(database) as con:
        q = con.execute
        return {
            "assets": [
                (*r[:14], _cents(r[14])) for r in q("SELECT * FROM properties ORDER BY property_id")
            ],
            "monthly_ops": [
                (r[0], r[1], *(_cents(v) for v in r[2:9]), _percent(r[9]))
                for r in q(
                    "SELECT property_id, period, gross_potential_rent, vacancy_loss, other_income,"
                    " effective_gross_income, operating_expenses, noi, capex, occupancy"
                    " FROM financials"
                )
            ],
            "debt": [
                (
                    r[0],
                    r[1],
                    r[2],
                    _cents(r[3]),
                    _cents(r[4]),
                    _percent(r[5]),
                    r[6],
                    r[7],
                    r[8],
                    r[9],
                    repr(r[10]),
                )
                for r in q(
                    "SELECT loan_id, property_id, lender, original_balance, current_balance,"
                    " interest_rate, amortization_months, term_months, origination_date,"
                    " maturity_date, annual_debt_service FROM loans"
                )
            ],  # fmt: skip
            "appraisals": [
                (r[0], r[1], _cents(r[2]), r[3])
                for r in q("SELECT property_id, valuation_date, value, method FROM valuations")
            ],
            "benchmarks": [
                (r[0], r[1], r[2], _percent(r[3]), r[4], _percent(r[5]))
                for r in q(
                    "SELECT market, property_type, period, avg_cap_rate, avg_rent_psf,"
                    " vacancy_rate FROM market_data"
                )
            ],
        }


def _database(admin_url: str, name: str) -> str:
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _answers(url: str, runs: Path) -> dict[str, dict[str, bytes]]:
    from meta_agent.portfolio.engine import dispose_engines

    pipeline = Pipeline(Settings(database_url=url, runs_dir=runs))
    found: dict[str, dict[str, bytes]] = {}
    try:
        for request in USE_CASES:
            outcome = pipeline.ask(request)
            assert outcome.status == "succeeded", (request, outcome.error)
            results = outcome.run_dir / "results"
            found[request] = {
                p.name: p.read_bytes()
                for p in sorted(results.iterdir())
                if p.suffix in (".csv", ".json")
            }
    finally:
        dispose_engines(url)
    return found


@pytest.mark.postgres
def test_a_mapped_database_answers_exactly_as_the_original(
    postgres_url: str, sample_db_path: Path, tmp_path: Path
) -> None:
    import sqlalchemy as sa

    from meta_agent.portfolio.generator import generate_portfolio
    from meta_agent.portfolio.mapping import apply_mapping, load_mapping

    generate_portfolio(postgres_url, properties=60, seed=42, force=True)
    expected = _answers(postgres_url, tmp_path / "original")

    shaped_url = _database(postgres_url, sa.make_url(postgres_url).database + "_shaped")
    engine = sa.create_engine(shaped_url)
    with engine.begin() as conn:
        for statement in SHAPED.split(";"):
            if statement.strip():
                conn.execute(sa.text(statement))
        for table, values in _shaped_rows(sample_db_path).items():
            raw = conn.connection.driver_connection
            with raw.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
    (tmp_path / "mapping.yaml").write_text(MAPPING)
    report = apply_mapping(load_mapping(tmp_path / "mapping.yaml"), shaped_url)
    assert report.rows["properties"] == 60 and report.rows["financials"] == 2160

    actual = _answers(report.url, tmp_path / "mapped")
    for request, files in expected.items():
        for name, content in files.items():
            if name == "results.json":
                continue  # carries the database URL and times
            assert actual[request][name] == content, (request, name)
    # The company's own tables were only read.
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM monthly_ops")).scalar_one() == 2160
    engine.dispose()


@pytest.mark.postgres
def test_a_mapping_that_does_not_fit_creates_nothing(postgres_url: str, tmp_path: Path) -> None:
    import sqlalchemy as sa

    from meta_agent.portfolio.mapping import MappingRejected, apply_mapping, load_mapping

    url = _database(postgres_url, sa.make_url(postgres_url).database + "_misfit")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in SHAPED.split(";"):
            if statement.strip():
                conn.execute(sa.text(statement))
    (tmp_path / "bad.yaml").write_text(MAPPING.replace("rentable_sf", "floor_area"))
    with pytest.raises(MappingRejected) as caught:
        apply_mapping(load_mapping(tmp_path / "bad.yaml"), url)
    assert any("floor_area" in p for p in caught.value.problems)
    with engine.connect() as conn:
        views = conn.execute(
            sa.text(
                "SELECT count(*) FROM information_schema.views WHERE table_schema = 'meta_agent'"
            )
        ).scalar_one()
    assert views == 0
    engine.dispose()


def test_a_mapping_file_is_checked_before_any_database(tmp_path: Path) -> None:
    from meta_agent.portfolio.mapping import MappingRejected, load_mapping

    bad = MAPPING.replace("noi: noi_cents / 100.0", "noi: 1; DROP TABLE assets").replace(
        "from: debt", "from: debt; DELETE FROM debt"
    )
    (tmp_path / "m.yaml").write_text(bad + "\nleases:\n  from: x\n")
    with pytest.raises(MappingRejected) as caught:
        load_mapping(tmp_path / "m.yaml")
    problems = "\n".join(caught.value.problems)
    assert "financials.columns.noi" in problems and "loans.from" in problems
    assert "leases: not a DOMAIN.md table" in problems


def test_csv_import_answers_exactly_as_the_original(sample_db_path: Path, tmp_path: Path) -> None:
    from meta_agent.portfolio.importing import import_portfolio

    folder = export_csv(sample_db_path, tmp_path / "csv")
    imported = tmp_path / "imported.db"
    import_portfolio(folder, f"sqlite:///{imported}")
    expected = _answers(f"sqlite:///{sample_db_path}", tmp_path / "original")
    actual = _answers(f"sqlite:///{imported}", tmp_path / "imported")
    for request, files in expected.items():
        for name, content in files.items():
            if name != "results.json":
                assert actual[request][name] == content, (request, name)


@pytest.mark.postgres
def test_a_mapping_that_truncates_rates_is_refused(postgres_url: str, tmp_path: Path) -> None:
    """`rate_pct / 100` on an integer column is 0 everywhere in PostgreSQL: refused, not used."""
    import sqlalchemy as sa

    from meta_agent.portfolio.mapping import MappingRejected, apply_mapping, load_mapping

    url = _database(postgres_url, sa.make_url(postgres_url).database + "_truncated")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in SHAPED.replace("rate_pct numeric", "rate_pct integer").split(";"):
            if statement.strip():
                conn.execute(sa.text(statement))
        conn.execute(sa.text("INSERT INTO assets (asset_code, asset_name) VALUES ('a', 'A')"))
        conn.execute(
            sa.text(
                "INSERT INTO debt (loan_no, asset_code, bank, orig_cents, upb_cents, rate_pct, "
                "amort, term, funded, matures) VALUES ('L1', 'a', 'B', 100, 100, 7, 0, 60, "
                "'2024-01-01', '2029-01-01')"
            )
        )
    (tmp_path / "m.yaml").write_text(MAPPING.replace("rate_pct / 100", "rate_pct / 100"))
    with pytest.raises(MappingRejected) as caught:
        apply_mapping(load_mapping(tmp_path / "m.yaml"), url)
    assert any("interest_rate" in p and "100.0" in p for p in caught.value.problems)
    engine.dispose()
