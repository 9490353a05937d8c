"""Which registered tools a script imports: for the run record and the tools' secrets."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meta_agent.tool_library.tool_registry import ToolRegistry


def tools_imported(source: str, registry: ToolRegistry | Callable[[], ToolRegistry]) -> list[str]:
    """Registered tools a script imports (best effort; the validator does the real check).

    ``registry`` may be a function returning it, called only for a script with ``from`` imports.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    if not names:
        return []
    tools = registry if not callable(registry) else registry()
    return [name for name in names if name in tools]
