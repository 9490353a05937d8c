"""``db import``, ``db template``: what a user sees, and the exit codes."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from tests.exports import export_csv

TABLES = ("properties", "financials", "loans", "valuations", "market_data")


def test_import_then_ask(cli: Callable[..., Any], sample_db_path: Path, tmp_path: Path) -> None:
    folder = export_csv(sample_db_path, tmp_path / "book")
    url = f"sqlite:///{tmp_path / 'mine.db'}"
    done = cli("db", "import", str(folder), "--database", url)
    assert done.code == 0, done.stderr
    assert "60 properties" in done.stdout and "2,160 financials" in done.stdout
    again = cli("db", "import", str(folder), "--database", url)
    assert again.code == 2 and "--replace" in again.stderr
    replaced = cli("db", "import", str(folder), "--database", url, "--replace")
    assert replaced.code == 0 and "kept in" in replaced.stdout
    answer = cli("ask", "how many hotels do we own", "--database", url, "--yes", "--json")
    assert answer.code == 0 and answer.json()["status"] == "succeeded"


def test_a_refused_import_lists_its_problems_and_exits_3(
    cli: Callable[..., Any], sample_db_path: Path, tmp_path: Path
) -> None:
    folder = export_csv(sample_db_path, tmp_path / "book")
    with (folder / "loans.csv").open() as handle:
        rows = list(csv.reader(handle))
    rows[2][rows[0].index("interest_rate")] = "six and a half"
    with (folder / "loans.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    target = tmp_path / "mine.db"
    done = cli("db", "import", str(folder), "--database", f"sqlite:///{target}")
    assert done.code == 3
    assert "loans.csv, row 3, column interest_rate: cannot read a number" in done.stdout
    assert "Nothing was written" in done.stderr and "Traceback" not in done.stderr
    assert not target.exists()


def test_templates_carry_every_column_and_import_refuses_them_empty(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    from meta_agent.portfolio.schema import TABLES as SCHEMA

    done = cli("db", "template", str(tmp_path / "template.xlsx"))
    assert done.code == 0, done.stderr
    book = openpyxl.load_workbook(tmp_path / "template.xlsx", read_only=True)
    for table in TABLES:
        header = next(book[table].iter_rows(values_only=True))
        assert sorted(header) == sorted(c.name for c in SCHEMA[table].columns)
    notes = [row for row in book["Notes"].iter_rows(values_only=True)][1:]
    assert len(notes) == sum(len(SCHEMA[t].columns) for t in TABLES)
    book.close()
    assert cli("db", "template", str(tmp_path / "csv"), "--format", "csv").code == 0
    assert (tmp_path / "csv" / "README.txt").read_text().count("required") > 20
    empty = cli(
        "db", "import", str(tmp_path / "csv"), "--database", f"sqlite:///{tmp_path / 'e.db'}"
    )
    assert empty.code == 3 and "holds no properties" in empty.stdout
    twice = cli("db", "template", str(tmp_path / "template.xlsx"))
    assert twice.code == 2 and "Not overwriting" in twice.stderr


def test_export_then_import_is_the_same_portfolio(
    cli: Callable[..., Any], sample_db_path: Path, tmp_path: Path
) -> None:
    done = cli("db", "export", str(tmp_path / "out"), "--database", f"sqlite:///{sample_db_path}")
    assert done.code == 0, done.stderr
    assert "60 properties" in done.stdout and "2,160 financials" in done.stdout
    target = tmp_path / "again.db"
    assert cli("db", "import", str(tmp_path / "out"), "--database", f"sqlite:///{target}").code == 0
    for table in TABLES:
        query = f"SELECT * FROM {table} ORDER BY 1, 2"  # noqa: S608 - our own table names
        with sqlite3.connect(sample_db_path) as a, sqlite3.connect(target) as b:
            assert a.execute(query).fetchall() == b.execute(query).fetchall(), table
    again = cli("db", "export", str(tmp_path / "out"), "--database", f"sqlite:///{target}")
    assert again.code == 2 and "Not overwriting" in again.stderr
