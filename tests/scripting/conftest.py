"""The validator under test judges scripts against the real tool library, never stand-ins.

Stand-in tools drift from the real ones (a renamed argument passes here and fails in a run), so
the fixtures hand out the default registry itself, without third-party plug-ins.
"""

from __future__ import annotations

import pytest

from meta_agent.scripting.validate import ScriptValidator
from meta_agent.tool_library.tool_registry import ToolRegistry, default_registry


@pytest.fixture(scope="session")
def tool_registry() -> ToolRegistry:
    """The real registry, built-in tools only."""
    return default_registry(load_plugins=False)


@pytest.fixture(scope="session")
def validator(tool_registry: ToolRegistry) -> ScriptValidator:
    return ScriptValidator(tool_registry)
