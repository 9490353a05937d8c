"""The portfolio's own geography: property locations, market centroids and market benchmarks.

External tools use it first, because a portfolio address is best geocoded from the portfolio
itself, and ``fetch_market_data`` is built from it. Queries are SQLAlchemy Core on the tools'
read-only engine.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ConfigError, DatabaseError, MetaAgentError
from meta_agent.tool_library.providers.gazetteer import EARTH_RADIUS_MILES, ParsedLocation

if TYPE_CHECKING:
    import pandas as pd
    import sqlalchemy as sa

logger = logging.getLogger(__name__)

# Miles per degree of latitude; a degree of longitude is this times cos(latitude).
MILES_PER_DEGREE = 69.0
PROPERTY_COLUMNS = (
    "property_id", "name", "property_type", "address", "city", "state", "zip", "market",
    "latitude", "longitude", "square_feet",
)  # fmt: skip


def engine() -> sa.Engine:
    """The tools' read-only engine on the configured portfolio database."""
    from meta_agent.portfolio.engine import read_only_engine

    try:
        return read_only_engine()
    except ValueError as exc:  # a malformed META_AGENT_* setting met while resolving the URL
        raise ConfigError(
            f"The settings could not be read ({str(exc).splitlines()[0]}); check the "
            "META_AGENT_* environment variables."
        ) from None


def read(statement: sa.Executable) -> list[dict[str, Any]]:
    """Rows of a Core statement as dicts; database failures become DatabaseError."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with engine().connect() as conn:
            return [dict(row) for row in conn.execute(statement).mappings()]
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"Could not read the portfolio database ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0]}); check META_AGENT_DATABASE_URL or run `meta-agent db init`."
        ) from None


def try_read(statement: sa.Executable) -> list[dict[str, Any]]:
    """Like ``read``, but an unavailable database gives no rows (for optional look-ups)."""
    try:
        return read(statement)
    except MetaAgentError as exc:
        logger.info("portfolio look-up skipped", extra={"reason": str(exc)})
        return []


def find_property(text: str) -> dict[str, Any] | None:
    """The property whose id or name is ``text`` (case-insensitive), else None."""
    import sqlalchemy as sa

    from meta_agent.portfolio.schema import properties as p

    wanted = " ".join(text.split()).lower()
    if not wanted:
        return None
    statement = (
        sa.select(*(p.c[name] for name in PROPERTY_COLUMNS))
        .where(
            sa.or_(p.c.property_id == wanted.replace(" ", "_"), sa.func.lower(p.c.name) == wanted)
        )
        .order_by(p.c.property_id)
        .limit(1)
    )
    rows = try_read(statement)
    return rows[0] if rows else None


def find_property_by_address(parsed: ParsedLocation) -> dict[str, Any] | None:
    """The property at a parsed street address (street and city must match), else None."""
    import sqlalchemy as sa

    from meta_agent.portfolio.schema import properties as p

    if not parsed.street or not parsed.city:
        return None
    conditions = [
        sa.func.lower(p.c.address) == " ".join(parsed.street.split()).lower(),
        sa.func.lower(p.c.city) == parsed.city.lower(),
    ]
    if parsed.state:
        conditions.append(p.c.state == parsed.state)
    statement = (
        sa.select(*(p.c[name] for name in PROPERTY_COLUMNS))
        .where(*conditions)
        .order_by(p.c.property_id)
        .limit(1)
    )
    rows = try_read(statement)
    return rows[0] if rows else None


def market_centroid(text: str) -> dict[str, Any] | None:
    """``{"market", "latitude", "longitude", "properties"}`` for a market named ``text``, else None.

    ``text`` may be the market itself ("Orlando, FL") or a city and state of the portfolio.
    """
    import sqlalchemy as sa

    from meta_agent.portfolio.schema import properties as p

    wanted = " ".join(text.split()).lower()
    city_state = sa.func.lower(p.c.city + ", " + p.c.state)
    statement = (
        sa.select(
            p.c.market,
            sa.func.avg(p.c.latitude).label("latitude"),
            sa.func.avg(p.c.longitude).label("longitude"),
            sa.func.count().label("properties"),
        )
        .where(sa.or_(sa.func.lower(p.c.market) == wanted, city_state == wanted))
        .group_by(p.c.market)
        .order_by(sa.func.count().desc(), p.c.market)
        .limit(1)
    )
    rows = try_read(statement)
    return rows[0] if rows else None


def market_benchmarks(market: str | None) -> pd.DataFrame:
    """Every ``market_data`` row of a market, oldest quarter first (no rows for None)."""
    import pandas as pd
    import sqlalchemy as sa

    from meta_agent.portfolio.schema import market_data as m

    statement = sa.select(*m.c).where(m.c.market == market).order_by(m.c.period, m.c.property_type)
    rows = read(statement) if market else []
    frame = pd.DataFrame(rows, columns=[c.name for c in m.c])
    if not frame.empty:
        frame["period"] = pd.to_datetime(frame["period"]).dt.date
    return frame


def properties_within(latitude: float, longitude: float, radius: float) -> pd.DataFrame:
    """Portfolio properties within ``radius`` miles of a point, nearest first, with ``distance_miles``."""
    import numpy as np
    import pandas as pd
    import sqlalchemy as sa

    from meta_agent.portfolio.schema import properties as p

    # A bounding box in SQL keeps a 100,000-property portfolio from being read whole; the
    # haversine distance then decides. Longitudes are not wrapped at +-180 (US portfolios).
    dlat = radius / MILES_PER_DEGREE * 1.01
    dlon = radius / (MILES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01)) * 1.01
    statement = sa.select(*(p.c[name] for name in PROPERTY_COLUMNS)).where(
        p.c.latitude.between(latitude - dlat, latitude + dlat),
        p.c.longitude.between(longitude - dlon, longitude + dlon),
    )
    frame = pd.DataFrame(read(statement), columns=list(PROPERTY_COLUMNS))
    lat1, lon1 = np.radians(latitude), np.radians(longitude)
    lat2 = np.radians(frame["latitude"].to_numpy(dtype=float))
    lon2 = np.radians(frame["longitude"].to_numpy(dtype=float))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    frame["distance_miles"] = 2 * EARTH_RADIUS_MILES * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    frame = frame[frame["distance_miles"] <= radius]
    return frame.sort_values(["distance_miles", "property_id"], kind="stable").reset_index(
        drop=True
    )
