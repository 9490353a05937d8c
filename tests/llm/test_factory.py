"""From settings to a client: what is missing is named, the budget comes from the settings."""

from __future__ import annotations

import pytest

from meta_agent.config import Settings
from meta_agent.errors import ConfigError
from meta_agent.llm.anthropic_provider import AnthropicClient
from meta_agent.llm.base import Budget
from meta_agent.llm.factory import budget_from, llm_configured, make_client
from meta_agent.llm.openai_provider import OpenAIClient


def test_configured_means_a_model_is_named() -> None:
    assert not llm_configured(Settings())
    assert llm_configured(Settings(llm_model="gpt-x"))


def test_no_model_is_named_as_missing() -> None:
    with pytest.raises(ConfigError, match="needs a model: set META_AGENT_LLM_MODEL"):
        make_client(Settings(llm_api_key="k"))  # type: ignore[arg-type]


def test_a_vendor_service_without_a_key_is_named_as_missing() -> None:
    with pytest.raises(ConfigError, match="anthropic service needs a key"):
        make_client(Settings(llm_provider="anthropic", llm_model="claude-x"))
    # A local server (a base URL) is asked without one.
    client = make_client(Settings(llm_model="llama", llm_base_url="http://127.0.0.1:1/v1"))
    assert isinstance(client, OpenAIClient)


def test_a_money_budget_needs_the_models_price() -> None:
    with pytest.raises(ConfigError, match="price of 'm' in META_AGENT_LLM_PRICES"):
        make_client(Settings(llm_model="m", llm_api_key="k", llm_budget_usd=1.0))  # type: ignore[arg-type]
    prices = '{"m": {"input_per_mtok": 1, "output_per_mtok": 2}}'
    client = make_client(
        Settings(llm_model="m", llm_api_key="k", llm_budget_usd=1.0, llm_prices=prices)  # type: ignore[arg-type]
    )
    assert client.model == "m" and client.provider == "openai"


def test_the_provider_setting_picks_the_client() -> None:
    settings = Settings(llm_provider="anthropic", llm_model="claude-x", llm_api_key="k")  # type: ignore[arg-type]
    client = make_client(settings)
    assert isinstance(client, AnthropicClient) and client.provider == "anthropic"


def test_the_budget_comes_from_the_settings() -> None:
    settings = Settings(llm_budget_tokens=900, llm_budget_seconds=12.5, llm_budget_usd=0.3)
    assert budget_from(settings) == Budget(max_tokens=900, max_seconds=12.5, max_cost_usd=0.3)
    assert budget_from(settings) is not budget_from(settings)  # a fresh one per request
