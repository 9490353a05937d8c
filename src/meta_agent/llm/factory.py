"""From Settings to a configured LLM client and a budget; the SDKs load only in make_client."""

from __future__ import annotations

from meta_agent.config import Settings
from meta_agent.errors import ConfigError
from meta_agent.llm.base import Budget, LLMClient


def llm_configured(settings: Settings) -> bool:
    """True when a model is named: enough for ``auto`` to try the LLM planner."""
    return bool(settings.llm_model)


def make_client(settings: Settings) -> LLMClient:
    """The client of the configured provider; ConfigError names what is missing."""
    if not settings.llm_model:
        raise ConfigError(
            f"The LLM planner needs a model: set META_AGENT_LLM_MODEL (for the "
            f"{settings.llm_provider} provider)."
        )
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if not key and not settings.llm_base_url:
        # A vendor's own service always wants a key; a local server (base URL) usually does not.
        raise ConfigError(
            f"The {settings.llm_provider} service needs a key: set META_AGENT_LLM_API_KEY "
            "(or META_AGENT_LLM_BASE_URL for a local server that needs none)."
        )
    prices = settings.llm_prices or {}
    if settings.llm_budget_usd is not None and settings.llm_model not in prices:
        raise ConfigError(
            f"META_AGENT_LLM_BUDGET_USD needs the price of {settings.llm_model!r} in "
            "META_AGENT_LLM_PRICES, or cost cannot be counted."
        )
    if settings.llm_provider == "anthropic":
        from meta_agent.llm.anthropic_provider import AnthropicClient

        return AnthropicClient(
            model=settings.llm_model,
            api_key=key,
            base_url=settings.llm_base_url,
            timeout_seconds=settings.llm_timeout_seconds,
            max_retries=settings.llm_max_retries,
            prices=prices,
        )
    from meta_agent.llm.openai_provider import OpenAIClient

    return OpenAIClient(
        model=settings.llm_model,
        api_key=key,
        base_url=settings.llm_base_url,
        timeout_seconds=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
        prices=prices,
    )


def budget_from(settings: Settings) -> Budget:
    """A fresh budget for one request, from the llm_budget_* settings."""
    return Budget(
        max_tokens=settings.llm_budget_tokens,
        max_seconds=settings.llm_budget_seconds,
        max_cost_usd=settings.llm_budget_usd,
        max_answer_tokens=settings.llm_max_answer_tokens,
    )
