"""Which registered tools a script imports: for the run record and the tools' secrets."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meta_agent.tool_library.tool_registry import ToolRegistry


def tools_imported(source: str, registry: ToolRegistry) -> list[str]:
    """Registered tools a script imports (best effort; the validator does the real check)."""
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
    return [name for name in names if name in registry]
