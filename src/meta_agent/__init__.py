"""Meta-Agent: plain-English portfolio requests in, validated, sandboxed and archived results out.

The public names are re-exported here and imported on first use, so that ``import meta_agent``
(and the command line) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "ExecutionPlan": "meta_agent.planning.models",
    "Executor": "meta_agent.runtime",
    "Limits": "meta_agent.runtime",
    "MetaAgentError": "meta_agent.errors",
    "Pipeline": "meta_agent.pipeline",
    "Planner": "meta_agent.planning.planner",
    "RequirementAnalysis": "meta_agent.planning.models",
    "RuleBasedPlanner": "meta_agent.planning.rule_based",
    "RunOutcome": "meta_agent.pipeline",
    "RunResult": "meta_agent.runtime",
    "RunSpec": "meta_agent.runtime",
    "ScriptGenerator": "meta_agent.scripting.generate",
    "ScriptValidator": "meta_agent.scripting.validate",
    "Settings": "meta_agent.config",
    "ToolRegistry": "meta_agent.tool_library.tool_registry",
    "default_registry": "meta_agent.tool_library.tool_registry",
    "load_settings": "meta_agent.config",
    "tool": "meta_agent.tool_library.tool_registry",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'meta_agent' has no attribute {name!r}")
