"""Bring your own portfolio: files in, the same portfolio out, or a refusal that says where.

The round trips export the sample portfolio with the standard library (sqlite3 + csv, openpyxl),
import it, and compare every table row by row with the original: the importer never checks
itself against itself.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from meta_agent.errors import ImportRejected, PortfolioExists
from meta_agent.portfolio.importing import import_portfolio
from meta_agent.portfolio.schema import PORTFOLIO_TABLES
from tests.exports import export_csv

KEYS = {
    "properties": "property_id",
    "financials": "property_id, period",
    "loans": "loan_id",
    "valuations": "property_id, valuation_date",
    "market_data": "market, property_type, period",
}


def _rows(database: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY {KEYS[table]}").fetchall()  # noqa: S608


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


@pytest.fixture()
def exported(sample_db_path: Path, tmp_path: Path) -> Path:
    return export_csv(sample_db_path, tmp_path / "export")


def test_csv_round_trip_gives_the_same_portfolio(
    sample_db_path: Path, exported: Path, tmp_path: Path
) -> None:
    target = tmp_path / "imported.db"
    report = import_portfolio(exported, f"sqlite:///{target}")
    assert report.rows["properties"] == 60 and not report.disabled
    for table in PORTFOLIO_TABLES:
        assert _rows(target, table) == _rows(sample_db_path, table), table


def test_excel_round_trip_gives_the_same_portfolio(
    sample_db_path: Path, exported: Path, tmp_path: Path
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in PORTFOLIO_TABLES:
        sheet = book.create_sheet(table)
        for row in _read_csv(exported / f"{table}.csv"):
            sheet.append(row)
    book.create_sheet("Notes").append(["anything", "here", "is ignored"])
    workbook = tmp_path / "portfolio.xlsx"
    book.save(workbook)
    target = tmp_path / "from_excel.db"
    import_portfolio(workbook, f"sqlite:///{target}")
    for table in PORTFOLIO_TABLES:
        assert _rows(target, table) == _rows(sample_db_path, table), table


def test_lenient_where_people_are(sample_db_path: Path, exported: Path, tmp_path: Path) -> None:
    # Headers as spreadsheets write them, aliases, money with $ and commas, rates in percent,
    # US dates: the same portfolio comes out.
    loans = _read_csv(exported / "loans.csv")
    header = loans[0]
    rate = header.index("interest_rate")
    balance = header.index("current_balance")
    origination = header.index("origination_date")
    loans[0] = [
        {"loan_id": "Loan ID", "interest_rate": "Note Rate", "current_balance": "UPB"}.get(h, h)
        for h in header
    ]
    for row in loans[1:]:
        row[rate] = f"{float(row[rate]) * 100:.4f}"  # 6.5 means 6.5%
        row[balance] = f"${float(row[balance]):,.2f}"
        year, month, day = row[origination].split("-")
        row[origination] = f"{month}/{day}/{year}"
    _write_csv(exported / "loans.csv", loans)
    target = tmp_path / "lenient.db"
    report = import_portfolio(exported, f"sqlite:///{target}")
    assert any("interest_rate" in line and "percentages" in line for line in report.readings)
    original = {r[0]: r for r in _rows(sample_db_path, "loans")}
    for row in _rows(target, "loans"):
        assert row[5] == pytest.approx(original[row[0]][5], abs=1e-12)
        assert row[4] == pytest.approx(original[row[0]][4], abs=0.005)
        assert row[8] == original[row[0]][8]


def test_optional_tables_may_be_missing_and_say_what_that_disables(
    exported: Path, tmp_path: Path
) -> None:
    (exported / "valuations.csv").unlink()
    (exported / "market_data.csv").unlink()
    report = import_portfolio(exported, f"sqlite:///{tmp_path / 'partial.db'}")
    assert any("cap rate and LTV" in line for line in report.disabled)
    assert any("market comparisons" in line for line in report.disabled)


def _damage(folder: Path) -> None:
    loans = _read_csv(folder / "loans.csv")
    loans[3][loans[0].index("original_balance")] = "twelve million"  # an unreadable number
    loans[5][loans[0].index("property_id")] = "no_such_property"  # an orphan loan
    _write_csv(folder / "loans.csv", loans)
    properties = _read_csv(folder / "properties.csv")
    properties.append(list(properties[1]))  # a duplicate id
    _write_csv(folder / "properties.csv", properties)
    financials = _read_csv(folder / "financials.csv")
    del financials[10]  # a missing month
    _write_csv(folder / "financials.csv", financials)


def test_a_damaged_portfolio_is_refused_with_every_problem_located(
    exported: Path, tmp_path: Path
) -> None:
    _damage(exported)
    target = tmp_path / "never.db"
    with pytest.raises(ImportRejected) as caught:
        import_portfolio(exported, f"sqlite:///{target}")
    problems = "\n".join(caught.value.problems)
    assert "loans.csv, row 4, column original_balance: cannot read a number" in problems
    assert "loans.csv, row 6, column property_id: no property with this id" in problems
    assert "properties.csv, row 62, column property_id: duplicate of row 2" in problems
    assert "financials.csv" in problems and "no monthly row for" in problems
    assert "Nothing was written" in str(caught.value)
    assert not target.exists() and not list(tmp_path.glob(".never.db*"))


def test_a_refused_import_leaves_an_existing_portfolio_untouched(
    sample_db_path: Path, exported: Path, tmp_path: Path
) -> None:
    target = tmp_path / "existing.db"
    shutil.copy2(sample_db_path, target)
    before = target.read_bytes()
    _damage(exported)
    with pytest.raises(ImportRejected):
        import_portfolio(exported, f"sqlite:///{target}", replace=True)
    assert target.read_bytes() == before


def test_unknown_and_missing_columns_name_what_is_accepted(exported: Path, tmp_path: Path) -> None:
    rows = _read_csv(exported / "properties.csv")
    rows[0][rows[0].index("square_feet")] = "floor_area_m2"
    _write_csv(exported / "properties.csv", rows)
    with pytest.raises(ImportRejected) as caught:
        import_portfolio(exported, f"sqlite:///{tmp_path / 'x.db'}")
    problems = "\n".join(caught.value.problems)
    assert "column floor_area_m2: unknown column; the properties columns are:" in problems
    assert "column square_feet: missing required column" in problems


def test_debt_service_that_disagrees_is_refused_or_recomputed(
    sample_db_path: Path, exported: Path, tmp_path: Path
) -> None:
    loans = _read_csv(exported / "loans.csv")
    column = loans[0].index("annual_debt_service")
    loans[1][column] = str(float(loans[1][column]) + 5_000)
    _write_csv(exported / "loans.csv", loans)
    with pytest.raises(ImportRejected) as caught:
        import_portfolio(exported, f"sqlite:///{tmp_path / 'a.db'}")
    assert "disagrees with DOMAIN.md's formula" in "\n".join(caught.value.problems)
    report = import_portfolio(exported, f"sqlite:///{tmp_path / 'b.db'}", debt_service="recompute")
    assert any("recomputed" in line for line in report.readings)
    original = {r[0]: r[10] for r in _rows(sample_db_path, "loans")}
    for row in _rows(tmp_path / "b.db", "loans"):
        assert row[10] == pytest.approx(original[row[0]], rel=1e-12)


def test_replacing_needs_replace_and_keeps_a_backup(
    sample_db_path: Path, exported: Path, tmp_path: Path
) -> None:
    target = tmp_path / "book.db"
    shutil.copy2(sample_db_path, target)
    with pytest.raises(PortfolioExists, match="--replace"):
        import_portfolio(exported, f"sqlite:///{target}")
    report = import_portfolio(exported, f"sqlite:///{target}", replace=True)
    assert (
        report.backup is not None
        and Path(report.backup).read_bytes() == sample_db_path.read_bytes()
    )


@pytest.mark.postgres
def test_postgres_import_is_one_transaction(
    postgres_url: str, sample_db_path: Path, exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    from meta_agent.portfolio import writer

    import_portfolio(exported, postgres_url, replace=True)
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM financials")).scalar_one()
        assert count == len(_rows(sample_db_path, "financials"))

    # A load that fails half way leaves the database exactly as it was.
    real_escape = writer._copy_text

    def failing(*args: Any) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "_copy_text", failing)
    monkeypatch.setattr(writer, "_binary_layout", lambda *a: None)
    with pytest.raises(RuntimeError, match="disk full"):
        import_portfolio(exported, postgres_url, replace=True)
    monkeypatch.setattr(writer, "_copy_text", real_escape)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM financials")).scalar_one() == count
        assert conn.execute(sa.text("SELECT count(*) FROM properties")).scalar_one() == 60
    engine.dispose()


def test_every_schema_column_is_described_for_users() -> None:
    from meta_agent.portfolio import columns
    from meta_agent.portfolio.schema import TABLES

    for table in PORTFOLIO_TABLES:
        assert sorted(columns.COLUMNS[table]) == sorted(c.name for c in TABLES[table].columns)
        mapping, unknown = columns.resolve_headers(
            table, ["Property ID"] if table != "market_data" else ["MSA"]
        )
        assert not unknown and mapping
