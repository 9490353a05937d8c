"""Every plan renders into a script that the script validator accepts."""

from __future__ import annotations

import datetime as dt

import pytest

from meta_agent.planning.rule_based import RuleBasedPlanner
from meta_agent.scripting.generate import ScriptGenerator
from meta_agent.scripting.validate import ScriptValidator
from meta_agent.tool_library.tool_registry import ToolRegistry, default_registry

from .test_requirements import CASES

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def registry() -> ToolRegistry:
    """The built-in tools, as the pipeline uses them."""
    return default_registry(load_plugins=False)


@pytest.mark.parametrize("request_text", [c[0] for c in CASES], ids=[c[0][:60] for c in CASES])
def test_plans_render_into_valid_scripts(
    planner: RuleBasedPlanner, registry: ToolRegistry, request_text: str
) -> None:
    plan = planner.plan(planner.analyse(request_text))
    source = ScriptGenerator(registry).render(plan, plan.content_hash())
    assert ScriptValidator(registry, thorough=False).validate(source) == []
