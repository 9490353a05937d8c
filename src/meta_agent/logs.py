"""Logging setup for the CLI and the service (library code only creates loggers).

``lazy_logger`` is for the modules ``exec`` imports before its sandbox starts: logging (with
string, traceback and textwrap) costs ~2 ms to import, which every run would wait for.
"""

from __future__ import annotations

from typing import Any


def configure_logging(debug: bool = False) -> None:
    """Send meta_agent's log records to stderr; debug shows everything."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("meta_agent")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)


class lazy_logger:  # noqa: N801 - used like logging.getLogger
    """``logging.getLogger(name)``, imported and looked up on the first record, not before."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str) -> Any:
        import logging

        return getattr(logging.getLogger(self.name), attribute)
