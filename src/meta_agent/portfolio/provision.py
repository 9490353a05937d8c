"""The default sample portfolio, created on first use of the default database (and only then)."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from meta_agent.errors import DatabaseMissing

if TYPE_CHECKING:
    from meta_agent.config import Settings

logger = logging.getLogger(__name__)

# Tables that must exist for a database to count as a portfolio.
REQUIRED_TABLES = ("properties", "financials", "loans", "valuations")


def ensure_default_portfolio(settings: Settings) -> bool:
    """Create the sample portfolio at the default path if it is missing; True when created.

    A configured database URL is never touched: a missing or empty one is the user's to fix
    (``meta-agent db init``), not something to paper over with a fresh sample. The file is built
    under a temporary name and renamed, so an interrupted first use leaves no half-made portfolio.
    """
    target = settings.default_database_path
    if not settings.uses_default_database or target.exists():
        return False
    from meta_agent.portfolio.generator import generate_portfolio

    logger.info("creating the default sample portfolio", extra={"path": str(target)})
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        generate_portfolio(f"sqlite:///{partial}")
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return True


def require_sqlite_file(database_url: str) -> None:
    """DatabaseMissing if the URL names a SQLite file that does not exist (others: not checked).

    Cheap on purpose (no SQLAlchemy): ``exec`` calls it before starting a sandbox, where the
    sandbox would otherwise report a missing file as a failure to start.
    """
    if not database_url.startswith("sqlite:///") or "?" in database_url:
        return
    name = database_url.removeprefix("sqlite:///")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name).expanduser()
    if not path.is_file():
        raise DatabaseMissing(missing_file_message(path.absolute()))


def missing_file_message(path: Path) -> str:
    """What to say about a SQLite portfolio file that does not exist."""
    return (
        f"No portfolio database at {path}: the file does not exist (nothing was created). "
        f"Create it with `meta-agent db init --database sqlite:///{path}`, or point --database "
        "or META_AGENT_DATABASE_URL at an existing portfolio."
    )
