"""Which planner answers a request: ``Settings.planner`` (``offline`` | ``llm`` | ``auto``).

``offline`` is the rule-based planner alone, and this module is then not even imported: nothing
of ``meta_agent.llm`` (nor an SDK) loads. ``llm`` is the configured model, and a configuration it
cannot use is a configuration error. ``auto`` is the model when one is configured, the offline
planner when none is or when the model fails (``fallback.FallbackPlanner``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meta_agent.errors import ConfigError

if TYPE_CHECKING:
    from meta_agent.config import Settings
    from meta_agent.planning.directory import PortfolioDirectory
    from meta_agent.planning.llm_planner import LLMPlanner
    from meta_agent.planning.planner import Planner
    from meta_agent.tool_library.tool_registry import ToolRegistry


def model_planner(
    settings: Settings,
    directory: PortfolioDirectory,
    offline: Planner,
    registry: ToolRegistry,
    sql_dialect: str | None = None,
) -> Planner:
    """The planner of ``settings.planner`` when it is ``llm`` or ``auto``."""
    from meta_agent.llm.factory import llm_configured
    from meta_agent.planning.fallback import FallbackPlanner

    if settings.planner == "llm":
        return llm_planner(settings, directory, registry, sql_dialect)
    if not llm_configured(settings):
        return FallbackPlanner(offline, None)
    try:
        planner = llm_planner(settings, directory, registry, sql_dialect)
    except ConfigError as problem:
        return FallbackPlanner(offline, None, why_not=f"the LLM is not usable: {problem}")
    return FallbackPlanner(offline, planner)


def llm_planner(
    settings: Settings,
    directory: PortfolioDirectory,
    registry: ToolRegistry,
    sql_dialect: str | None = None,
) -> LLMPlanner:
    """The LLM planner on the configured client; ConfigError names what is missing."""
    from meta_agent.llm.factory import budget_from, make_client
    from meta_agent.planning.llm_planner import LLMPlanner

    client = make_client(settings)
    return LLMPlanner(
        client,
        directory,
        registry,
        max_repairs=settings.llm_max_repairs,
        new_budget=lambda: budget_from(settings),
        at_risk_threshold=settings.at_risk_threshold,
        sql_dialect=sql_dialect,
    )
