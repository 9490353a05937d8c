"""Every plan renders into a script that the script validator accepts."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest

from meta_agent.planning.rule_based import RuleBasedPlanner
from meta_agent.scripts.generate import ScriptGenerator
from meta_agent.scripts.validate import ScriptValidator
from meta_agent.tool_library.tool_registry import BUILTIN_MODULES, ToolRegistry

from . import contract_stubs
from .test_requirements import CASES

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def registry() -> ToolRegistry:
    """The built-in tools; contract stand-ins for a family not written yet."""
    registry = ToolRegistry()
    for name in BUILTIN_MODULES:
        try:
            registry.register_module(importlib.import_module(name))
        except ModuleNotFoundError:
            continue
    for stub in contract_stubs.STUBS:
        if stub.__name__ not in registry:
            registry.register(stub)
    return registry


@pytest.mark.parametrize("request_text", [c[0] for c in CASES], ids=[c[0][:60] for c in CASES])
def test_plans_render_into_valid_scripts(
    planner: RuleBasedPlanner, registry: ToolRegistry, request_text: str
) -> None:
    plan = planner.plan(planner.analyse(request_text))
    source = ScriptGenerator(registry).render(plan, plan.content_hash(), NOW)
    assert ScriptValidator(registry, thorough=False).validate(source) == []
