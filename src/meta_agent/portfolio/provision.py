"""The default sample portfolio, created on first use of the default database (and only then)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meta_agent.config import Settings

logger = logging.getLogger(__name__)


def ensure_default_portfolio(settings: Settings) -> bool:
    """Create the sample portfolio at the default path if it is missing; True when created.

    A configured database URL is never touched: a missing or empty one is the user's to fix
    (``meta-agent db init``), not something to paper over with a fresh sample.
    """
    if not settings.uses_default_database or settings.default_database_path.exists():
        return False
    from meta_agent.portfolio.generator import generate_portfolio

    logger.info("creating the default sample portfolio")
    generate_portfolio(settings.resolved_database_url)
    return True
