"""Logging setup for the CLI and the service (library code only creates loggers)."""

from __future__ import annotations

import logging


def configure_logging(debug: bool = False) -> None:
    """Send meta_agent's log records to stderr; debug shows everything."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("meta_agent")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
