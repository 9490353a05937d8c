"""Empty import templates: the columns ``db import`` expects, with what each means.

A CSV template is a folder with one file per table (header only, ready to fill) and a
``README.txt`` describing every column; an Excel template is one workbook with a sheet per table
and a ``Notes`` sheet (which the import skips). Neither holds an example row, so a template
filled in and imported never carries made-up data.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

from meta_agent.errors import ConfigError
from meta_agent.portfolio import columns as docs
from meta_agent.portfolio.schema import PORTFOLIO_TABLES

TemplateFormat = Literal["csv", "xlsx"]
UNITS = {
    "money": "USD",
    "fraction": "decimal (0.065) or percentage (6.5%)",
    "date": "date (2025-01-31 or 01/31/2025)",
    "month": "month (2025-01-01 or 2025-01)",
    "integer": "whole number",
    "number": "number",
    "text": "text",
}


def notes() -> list[tuple[str, str, str, str, str, str]]:
    """(table, column, required, meaning, unit, example) for every column."""
    rows = []
    for table in PORTFOLIO_TABLES:
        required = set(docs.required_columns(table))
        optional_table = docs.OPTIONAL_TABLES.get(table)
        for column, doc in docs.COLUMNS[table].items():
            if optional_table:
                need = "if the table is given"
            elif column in required:
                need = "required"
            else:
                need = "optional: " + docs.DERIVED_COLUMNS[(table, column)]
            rows.append((table, column, need, doc.meaning, UNITS[doc.kind], doc.example))
    return rows


def write_template(path: Path, kind: TemplateFormat = "xlsx") -> list[Path]:
    """Write the template at ``path`` (a folder for CSV, a .xlsx file for Excel); never
    overwrites an existing file."""
    if kind == "csv":
        return _write_csv(path)
    if kind == "xlsx":
        return [_write_xlsx(path if path.suffix else path.with_suffix(".xlsx"))]
    raise ConfigError(f"Unknown template format {kind!r}; use csv or xlsx.")


def _write_csv(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    targets = [folder / f"{table}.csv" for table in PORTFOLIO_TABLES] + [folder / "README.txt"]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise ConfigError(f"Not overwriting {', '.join(existing)}; choose an empty folder.")
    for table in PORTFOLIO_TABLES:
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerow(docs.COLUMNS[table])
    lines = [
        "Meta-Agent import template: fill one CSV per table, then run",
        "    meta-agent db import THIS_FOLDER",
        "",
        "Headers may use any case and spaces ('Property ID'); money may carry $ and commas;",
        "rates may be 6.5% or 0.065. valuations.csv and market_data.csv may be left out",
        "(without them: " + "; ".join(docs.OPTIONAL_TABLES.values()) + ").",
        "",
    ]
    current = ""
    for table, column, need, meaning, unit, example in notes():
        if table != current:
            lines += ["", f"{table}.csv", "-" * (len(table) + 4)]
            current = table
        lines.append(f"  {column:<24} {need}; {meaning}; {unit}; e.g. {example or '(empty)'}")
    (folder / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return targets


def _write_xlsx(path: Path) -> Path:
    import xlsxwriter

    if path.exists():
        raise ConfigError(f"Not overwriting {path}; choose a new file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    try:
        bold = book.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1})
        for table in PORTFOLIO_TABLES:
            sheet = book.add_worksheet(table)
            for index, column in enumerate(docs.COLUMNS[table]):
                sheet.write_string(0, index, column, bold)
                sheet.set_column(index, index, max(14, len(column) + 2))
            sheet.freeze_panes(1, 0)
        sheet = book.add_worksheet("Notes")
        headers = ("table", "column", "required", "meaning", "unit", "example")
        for index, header in enumerate(headers):
            sheet.write_string(0, index, header, bold)
        for row, values in enumerate(notes(), start=1):
            for index, value in enumerate(values):
                sheet.write_string(row, index, value)
        sheet.set_column(0, 2, 22)
        sheet.set_column(3, 3, 60)
        sheet.set_column(4, 5, 30)
    finally:
        book.close()
    return path
