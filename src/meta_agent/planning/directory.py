"""The portfolio directory: the properties a request may name, with their type and location.

Read from the database with one query (``from_database``) or built from rows in tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from meta_agent.errors import DatabaseError

COLUMNS = ("property_id", "name", "property_type", "city", "state", "market")


@dataclass(frozen=True)
class PropertyEntry:
    """One property as the planner knows it."""

    property_id: str
    name: str
    property_type: str
    city: str
    state: str
    market: str


@dataclass(frozen=True)
class PortfolioDirectory:
    """The properties a request may name, with their type and location."""

    entries: tuple[PropertyEntry, ...]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> PortfolioDirectory:
        """Build from mappings with COLUMNS as keys, or tuples in COLUMNS order."""
        entries = []
        for row in rows:
            values = [row[c] for c in COLUMNS] if isinstance(row, Mapping) else list(row)
            entries.append(PropertyEntry(*(str(v) if v is not None else "" for v in values[:6])))
        return cls(tuple(sorted(entries, key=lambda e: e.property_id)))

    @classmethod
    def from_database(cls, database_url: str | None = None) -> PortfolioDirectory:
        """Read the directory from the properties table with one query."""
        plain = _read_sqlite_file(database_url)
        if plain is not None:
            return cls.from_rows(plain)
        import sqlalchemy as sa

        from meta_agent.portfolio.engine import get_engine

        properties = sa.table("properties", *(sa.column(c) for c in COLUMNS))
        query = sa.select(*(properties.c[c] for c in COLUMNS)).order_by(properties.c.property_id)
        try:
            with get_engine(database_url).connect() as connection:
                rows = connection.execute(query).all()
        except sa.exc.SQLAlchemyError as exc:
            raise DatabaseError(
                f"Could not read the property directory ({type(exc).__name__}); "
                "is the portfolio initialised? Try `meta-agent db init`."
            ) from exc
        return cls.from_rows(tuple(row) for row in rows)

    def __len__(self) -> int:
        return len(self.entries)

    @cached_property
    def by_id(self) -> dict[str, PropertyEntry]:
        return {e.property_id: e for e in self.entries}

    def get(self, property_id: str) -> PropertyEntry | None:
        return self.by_id.get(property_id)

    @property
    def ids(self) -> list[str]:
        return [e.property_id for e in self.entries]

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    @cached_property
    def types(self) -> list[str]:
        return sorted({e.property_type for e in self.entries})

    @cached_property
    def cities(self) -> list[str]:
        return sorted({e.city for e in self.entries if e.city})

    @cached_property
    def states(self) -> list[str]:
        return sorted({e.state for e in self.entries if e.state})

    @cached_property
    def markets(self) -> list[str]:
        return sorted({e.market for e in self.entries if e.market})

    def where(self, **criteria: Sequence[str]) -> list[PropertyEntry]:
        """Entries whose fields are in the given lists (``where(state=["TX"])``)."""
        return [
            e
            for e in self.entries
            if all(not allowed or getattr(e, f) in allowed for f, allowed in criteria.items())
        ]


def _read_sqlite_file(database_url: str | None) -> list[tuple[Any, ...]] | None:
    """The directory's rows from a plain ``sqlite:///FILE`` URL, read-only, by the standard library.

    SQLAlchemy costs ~0.15 s to import, a third of planning. None for any other URL and for any
    failure, which the SQLAlchemy path then meets and reports.
    """
    import sqlite3
    from urllib.parse import quote

    if not database_url or not database_url.startswith("sqlite:///") or "?" in database_url:
        return None
    path = database_url.removeprefix("sqlite:///")
    if not path or path.startswith("file:") or path == ":memory:":
        return None
    query = f"SELECT {', '.join(COLUMNS)} FROM properties ORDER BY property_id"
    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
        try:
            return connection.execute(query).fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
