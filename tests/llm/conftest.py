"""The ``llm_server`` fixture (a loopback server speaking both wire protocols) and its settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm.loopback import LoopbackLLM, llm_settings

__all__ = ["llm_server", "llm_settings"]


@pytest.fixture()
def llm_server() -> Iterator[LoopbackLLM]:
    """A started loopback server with an empty script; stopped after the test."""
    server = LoopbackLLM().start()
    try:
        yield server
    finally:
        server.stop()
