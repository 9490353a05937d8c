"""A portfolio written out as the files ``db import`` reads: one CSV per table.

The inverse of the import, for a person who wants to see their portfolio (or the sample) as files,
edit it in a spreadsheet and load it back, and for the round-trip tests. Floats are written with
their shortest exact text (``repr``), so an export imported again is the same portfolio, bit for
bit.
"""

from __future__ import annotations

import csv
from pathlib import Path

from meta_agent.errors import ConfigError
from meta_agent.portfolio.schema import PORTFOLIO_TABLES, TABLES


def export_portfolio(database_url: str, folder: Path) -> dict[str, int]:
    """Write every portfolio table to ``folder/<table>.csv``; rows written per table. Refuses
    to overwrite a file that is already there."""
    import sqlalchemy as sa

    from meta_agent.portfolio.engine import read_only_engine

    targets = {table: folder / f"{table}.csv" for table in PORTFOLIO_TABLES}
    existing = [str(path) for path in targets.values() if path.exists()]
    if existing:
        raise ConfigError(f"Not overwriting {', '.join(existing)}; choose an empty folder.")
    folder.mkdir(parents=True, exist_ok=True)
    engine = read_only_engine(database_url)
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table, path in targets.items():
            columns = [column.name for column in TABLES[table].columns]
            keys = [column for column in TABLES[table].primary_key.columns] or [
                TABLES[table].c[columns[0]]
            ]
            result = conn.execute(sa.select(TABLES[table]).order_by(*keys))
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                count = 0
                for row in result:
                    writer.writerow([_text(value) for value in row])
                    count += 1
            counts[table] = count
    return counts


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)
