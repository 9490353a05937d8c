"""Which properties a database tool covers: its filter arguments, checked, and as one SQL condition.

The condition is SQL text on the ``properties`` table with every value a bind parameter
(``:pf_...``), the same text on SQLite and PostgreSQL. It is the one definition of what a filter
matches: the metrics query splices it in as it is (``metrics_sql``), the Core queries take it as a
``text()`` clause (``condition``). This module imports no SQLAlchemy, so a run that reads a SQLite
portfolio directly (``sqlite_direct``) never loads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ToolError
from meta_agent.portfolio.reference import PROPERTY_TYPES, US_STATES

if TYPE_CHECKING:
    import pandas as pd
    import sqlalchemy as sa

# Spellings people use for property types.
TYPE_ALIASES = {
    "apartment": "multifamily", "apartments": "multifamily", "multi_family": "multifamily",
    "mf": "multifamily", "mixed": "mixed_use", "mixeduse": "mixed_use", "shopping": "retail",
    "warehouse": "industrial", "logistics": "industrial", "hotels": "hotel",
    "hospitality": "hotel", "offices": "office",
}  # fmt: skip
NOTHING = "1 = 0"  # what an empty list matches
LOOKED_UP = (("markets", "market"), ("states", "state"), ("cities", "city"))


@dataclass(frozen=True)
class PropertyFilter:
    """Which properties a query covers; every given list narrows the set (None: no narrowing)."""

    property_ids: list[str] | None = None
    property_types: list[str] | None = None
    markets: list[str] | None = None
    states: list[str] | None = None
    cities: list[str] | None = None

    @classmethod
    def build(
        cls,
        property_ids: list[str] | None = None,
        property_types: list[str] | None = None,
        markets: list[str] | None = None,
        states: list[str] | None = None,
        cities: list[str] | None = None,
    ) -> PropertyFilter:
        """A filter from tool arguments: types and states normalised, ToolError on unknown types."""
        return cls(
            property_ids=_strings("property_ids", property_ids),
            property_types=normalize_types(property_types),
            markets=_strings("markets", markets),
            states=normalize_states(states),
            cities=_strings("cities", cities),
        )

    def sql(self) -> tuple[str, dict[str, Any]] | None:
        """The WHERE condition on ``properties`` and its parameters; None when nothing is filtered."""
        parts: list[str] = []
        params: dict[str, Any] = {}

        def one_of(column: str, key: str, values: list[str]) -> str:
            if not values:
                return NOTHING
            names = [f"pf_{key}_{i}" for i in range(len(values))]
            params.update(zip(names, values, strict=True))
            return f"{column} IN ({', '.join(':' + name for name in names)})"

        if self.property_ids is not None:
            parts.append(one_of("properties.property_id", "id", self.property_ids))
        if self.property_types is not None:
            parts.append(one_of("properties.property_type", "type", self.property_types))
        if self.markets is not None:
            parts.append(_markets_sql(self.markets, params))
        if self.states is not None:
            parts.append(one_of("upper(properties.state)", "state", self.states))
        if self.cities is not None:
            cities = [city.strip().lower() for city in self.cities]
            parts.append(one_of("lower(properties.city)", "city", cities))
        if not parts:
            return None
        return " AND ".join(f"({part})" for part in parts), params

    def condition(self) -> sa.TextClause | None:
        """``sql()`` as a clause for SQLAlchemy Core queries, or None when nothing is filtered."""
        found = self.sql()
        if found is None:
            return None
        import sqlalchemy as sa

        text, params = found
        return sa.text(text).bindparams(**params)

    def all_found(self, matched: pd.DataFrame) -> bool:
        """Whether every id, market, state and city asked for is among the rows a query returned
        (then none of them names nothing, and no lookup is needed to say which)."""
        if self.property_ids and not set(self.property_ids) <= set(matched["property_id"]):
            return False
        for field, column in LOOKED_UP:
            wanted = getattr(self, field)
            if wanted and not all(
                value_matches(column, value, matched[column].unique().tolist()) for value in wanted
            ):
                return False
        return True


def normalize_types(values: list[str] | None) -> list[str] | None:
    """Property types in their stored spelling; ToolError naming the valid ones otherwise."""
    if values is None:
        return None
    result = []
    for value in _strings("property_types", values) or []:
        key = re.sub(r"[\s\-]+", "_", value.strip().lower())
        key = TYPE_ALIASES.get(key, TYPE_ALIASES.get(key.replace("_", ""), key))
        if key not in PROPERTY_TYPES and key.endswith("s") and key[:-1] in PROPERTY_TYPES:
            key = key[:-1]
        if key not in PROPERTY_TYPES:
            raise ToolError(
                f"Unknown property type {value!r}; valid types are: {', '.join(PROPERTY_TYPES)}."
            )
        result.append(key)
    return result


def normalize_states(values: list[str] | None) -> list[str] | None:
    """Two-letter state codes from codes or names ("Texas" -> "TX")."""
    if values is None:
        return None
    return [
        US_STATES.get(v.strip().lower(), v.strip().upper())
        for v in _strings("states", values) or []
    ]


def market_matches(requested: str, market: str) -> bool:
    """Whether a requested market ("Orlando" or "Orlando, FL") names a stored market."""
    wanted, stored = _market_key(requested), market.lower()
    return stored == wanted or ("," not in wanted and stored.startswith(wanted + ", "))


def value_matches(column: str, value: str, present: list[Any]) -> bool:
    """Whether a requested market, state or city names one of the stored values ``present``."""
    if column == "market":
        return any(market_matches(value, str(stored)) for stored in present)
    wanted = value.strip().lower()
    return any(wanted == str(stored).lower() for stored in present)


def _markets_sql(markets: list[str], params: dict[str, Any]) -> str:
    """``market_matches`` in SQL: the whole market, or a city name before its ", ST"."""
    if not markets:
        return NOTHING
    alternatives = []
    for i, requested in enumerate(markets):
        wanted = _market_key(requested)
        params[f"pf_market_{i}"] = wanted
        whole = f"lower(properties.market) = :pf_market_{i}"
        if "," in wanted:
            alternatives.append(whole)
            continue
        escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[f"pf_city_market_{i}"] = f"{escaped}, %"
        alternatives.append(
            f"{whole} OR lower(properties.market) LIKE :pf_city_market_{i} ESCAPE '\\'"
        )
    return " OR ".join(alternatives)


def _market_key(value: str) -> str:
    return re.sub(r"\s*,\s*", ", ", value.strip().lower())


def _strings(name: str, values: Any) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ToolError(f"{name} must be a list of strings, e.g. [{name[:-1]!r}].")
    return list(values)
