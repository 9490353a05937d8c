"""The sample portfolio written to CSV with the standard library only (sqlite3 + csv).

Round-trip tests use it instead of the product's own exporter, so the import is never checked
against a writer of ours.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

TABLES = ("properties", "financials", "loans", "valuations", "market_data")


def export_csv(database: Path, folder: Path) -> Path:
    """One CSV per table, floats as their shortest exact text."""
    folder.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(database) as con:
        for table in TABLES:
            cursor = con.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
            with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow([d[0] for d in cursor.description])
                for row in cursor:
                    writer.writerow(
                        ["" if v is None else repr(v) if isinstance(v, float) else v for v in row]
                    )
    return folder
