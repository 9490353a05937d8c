"""Bulk loading of the generated tables: executemany on SQLite, COPY on PostgreSQL, one transaction.

Tables arrive as numpy columns in schema order. Floats keep their exact value on both databases:
SQLite receives the Python floats, PostgreSQL their shortest round-trip text (``repr``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.schema import (
    CreateIndex,
    DropIndex,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
)

from meta_agent.portfolio.schema import TABLES

logger = logging.getLogger(__name__)

CHUNK_ROWS = 200_000  # rows turned into Python objects at a time: bounds memory on big loads
BINARY_MIN_ROWS = 500_000  # below this, text COPY is as fast and simpler to read
DEFERRED_KEYS = ("financials", "valuations", "loans")
PG_EPOCH = np.datetime64("2000-01-01", "D")
PG_BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension
PG_BINARY_TRAILER = b"\xff\xff"
LOAD_ORDER = ("portfolio_meta", "properties", "financials", "loans", "valuations", "market_data")


def write_tables(
    engine: Engine,
    tables: dict[str, dict[str, Any]],
    prepare: Callable[[Any], None] | None = None,
) -> None:
    """Insert every table (columns keyed by schema name) into empty tables, in one transaction.

    ``prepare`` runs first on the driver connection, inside that transaction (PostgreSQL only):
    an import creates its tables there, so a failed load leaves the database as it was.
    """
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            _write_sqlite(raw.driver_connection, tables, engine.dialect)
        else:
            _write_postgres(raw.driver_connection, tables, engine.dialect, prepare)
    finally:
        raw.close()


def _deferred_indexes() -> list[sa.Index]:
    """Secondary indexes of the big tables: built once after the load, not row by row."""
    return sorted(
        (index for name in DEFERRED_KEYS for index in TABLES[name].indexes),
        key=lambda index: str(index.name),
    )


def _columns(name: str, table: dict[str, Any]) -> tuple[list[str], list[np.ndarray]]:
    names = [column.name for column in TABLES[name].columns]
    missing = [c for c in names if c not in table]
    if missing:
        raise ValueError(f"table {name} is missing columns {missing}")
    return names, [np.asarray(table[c]) for c in names]


def _chunks(columns: Sequence[np.ndarray]) -> Iterator[list[list[Any]]]:
    """Columns as Python lists, CHUNK_ROWS rows at a time; dates as ISO text."""
    total = len(columns[0])
    for start in range(0, total, CHUNK_ROWS):
        part = [column[start : start + CHUNK_ROWS] for column in columns]
        yield [
            np.datetime_as_string(c, unit="D").tolist() if c.dtype.kind == "M" else c.tolist()
            for c in part
        ]


def _write_sqlite(conn: Any, tables: dict[str, dict[str, Any]], dialect: Any) -> None:
    # A bulk load into fresh tables: no rollback journal on disk, no fsync per page. The file is
    # rebuilt from the seed if anything goes wrong, so durability during the load buys nothing.
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    try:
        cursor = conn.cursor()
        cursor.execute("BEGIN")
        indexes = _deferred_indexes()
        for index in indexes:
            cursor.execute(str(DropIndex(index).compile(dialect=dialect)))
        for name in LOAD_ORDER:
            names, columns = _columns(name, tables[name])
            sql = f"INSERT INTO {name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            for chunk in _chunks(columns):
                cursor.executemany(sql, zip(*chunk, strict=True))
        for index in indexes:
            cursor.execute(str(CreateIndex(index).compile(dialect=dialect)))
        conn.commit()
        cursor.execute("ANALYZE")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")


def _write_postgres(
    conn: Any,
    tables: dict[str, dict[str, Any]],
    dialect: Any,
    prepare: Callable[[Any], None] | None = None,
) -> None:
    # Keys and foreign keys of the big tables are added after COPY: one index build and one
    # join instead of a check per row.
    keys = _deferred_keys(dialect.identifier_preparer)
    indexes = _deferred_indexes()
    try:
        if prepare is not None:
            prepare(conn)
        with conn.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for drop, _ in keys:
                cursor.execute(drop)
            for index in indexes:
                cursor.execute(str(DropIndex(index).compile(dialect=dialect)))
            for name in LOAD_ORDER:
                names, columns = _columns(name, tables[name])
                binary = _binary_layout(name, columns)
                options = " (FORMAT BINARY)" if binary else ""
                with cursor.copy(f"COPY {name} ({', '.join(names)}) FROM STDIN{options}") as copy:
                    if binary:
                        for block in _binary_blocks(columns, binary):
                            copy.write(block)
                    else:
                        for chunk in _chunks(columns):
                            copy.write(_copy_text(chunk, columns))
            for _, add in reversed(keys):
                cursor.execute(add)
            for index in indexes:
                cursor.execute(str(CreateIndex(index).compile(dialect=dialect)))
            for name in LOAD_ORDER:
                cursor.execute(f"ANALYZE {name}")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def _deferred_keys(quote: Any) -> list[tuple[str, str]]:
    """(DROP, ADD) statements for the keys of the big tables, foreign keys first.

    Written out rather than built with AddConstraint, which would mark the shared schema's
    constraints as "not inline" and break every later CREATE TABLE in the process.
    """
    statements: list[tuple[bool, str, str]] = []
    for name in DEFERRED_KEYS:
        table = TABLES[name]
        for constraint in table.constraints:
            if not isinstance(constraint, (PrimaryKeyConstraint, ForeignKeyConstraint)):
                continue
            columns = ", ".join(quote.quote(c.name) for c in constraint.columns)
            if isinstance(constraint, PrimaryKeyConstraint):
                definition = f"PRIMARY KEY ({columns})"
            elif isinstance(constraint, ForeignKeyConstraint):
                target = constraint.referred_table.name
                refs = ", ".join(quote.quote(e.column.name) for e in constraint.elements)
                definition = f"FOREIGN KEY ({columns}) REFERENCES {quote.quote(target)} ({refs})"
            prefix = f"ALTER TABLE {quote.quote(name)}"
            constraint_name = quote.quote(str(constraint.name))
            statements.append(
                (
                    isinstance(constraint, PrimaryKeyConstraint),
                    f"{prefix} DROP CONSTRAINT {constraint_name}",
                    f"{prefix} ADD CONSTRAINT {constraint_name} {definition}",
                )
            )
    statements.sort(key=lambda s: (s[0], s[1]))  # foreign keys drop first, are added last
    return [(drop, add) for _, drop, add in statements]


def _binary_layout(name: str, columns: Sequence[np.ndarray]) -> list[str] | None:
    """Field kinds for a binary COPY, or None when the table is better sent as text.

    Binary COPY is built with numpy in fixed-width blocks, so it suits big tables whose only
    text column is ASCII without NULLs (financials); the rest go as text.
    """
    if len(columns[0]) < BINARY_MIN_ROWS:
        return None
    kinds = []
    for column, sql_column in zip(columns, TABLES[name].columns, strict=True):
        if column.dtype.kind == "f":
            kinds.append("float8")
        elif column.dtype.kind == "M":
            kinds.append("date")
        elif column.dtype.kind in "iu" and isinstance(sql_column.type, sa.Integer):
            kinds.append("int4")
        elif column.dtype.kind == "O":
            kinds.append("text")
        else:
            return None
    return kinds if kinds.count("text") == 1 else None


def _binary_blocks(columns: Sequence[np.ndarray], kinds: list[str]) -> Iterator[bytes]:
    """The COPY BINARY stream: signature, rows grouped by the byte length of the text field, trailer."""
    text_at = kinds.index("text")
    try:
        text = np.asarray(columns[text_at].astype("U")).astype("S")
    except UnicodeEncodeError:
        raise ValueError("binary COPY needs ASCII text") from None
    lengths = np.char.str_len(text)
    yield PG_BINARY_SIGNATURE
    for length in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == length)
        fields: list[tuple[str, str]] = [("count", ">i2")]
        for i, kind in enumerate(kinds):
            width = {"float8": ">f8", "date": ">i4", "int4": ">i4", "text": f"S{length}"}[kind]
            fields += [(f"len{i}", ">i4"), (f"val{i}", width)]
        for start in range(0, len(rows), CHUNK_ROWS):
            part = rows[start : start + CHUNK_ROWS]
            block = np.empty(len(part), dtype=np.dtype(fields))
            block["count"] = len(kinds)
            for i, kind in enumerate(kinds):
                values = text[part] if kind == "text" else columns[i][part]
                if kind == "date":
                    values = (values.astype("datetime64[D]") - PG_EPOCH).astype(np.int64)
                block[f"len{i}"] = length if kind == "text" else block.dtype[f"val{i}"].itemsize
                block[f"val{i}"] = values
            yield block.tobytes()
    yield PG_BINARY_TRAILER


def _copy_text(chunk: list[list[Any]], columns: Sequence[np.ndarray]) -> str:
    """Rows in COPY text format: tab-separated, \\N for null, floats at full precision."""
    texts = []
    for values, column in zip(chunk, columns, strict=True):
        if column.dtype.kind == "f":
            texts.append(list(map(repr, values)))
        elif column.dtype.kind in "iuM":
            texts.append(list(map(str, values)))
        else:
            texts.append([_escape(v) for v in values])
    return "".join(f"{line}\n" for line in map("\t".join, zip(*texts, strict=True)))


def _escape(value: Any) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text
