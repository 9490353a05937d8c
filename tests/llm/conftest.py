"""The ``llm_server`` fixture (a loopback server speaking both wire protocols) and its settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from meta_agent.config import Settings
from tests.llm.loopback import KEY, MODEL, LoopbackLLM


@pytest.fixture()
def llm_server() -> Iterator[LoopbackLLM]:
    """A started loopback server with an empty script; stopped after the test."""
    server = LoopbackLLM().start()
    try:
        yield server
    finally:
        server.stop()


def llm_settings(server: LoopbackLLM | str, provider: str = "openai", **overrides: Any) -> Settings:
    """Settings whose LLM is the loopback server (or a URL): model, key, base URL, planner llm.

    Retries default to 2 and the timeout to 5 s so a failing test ends quickly; pass overrides.
    """
    root = server.url if isinstance(server, LoopbackLLM) else server
    values: dict[str, Any] = {
        "planner": "llm",
        "llm_provider": provider,
        "llm_base_url": root + "/v1" if provider == "openai" else root,
        "llm_model": MODEL,
        "llm_api_key": KEY,
        "llm_timeout_seconds": 5.0,
        "llm_max_retries": 2,
    }
    values.update(overrides)
    return Settings(**values)
