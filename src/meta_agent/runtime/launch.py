"""From settings and a script's tools to a sandbox run: the spec, the secrets, the executor.

The pipeline decides *what* runs; this module turns that into what the runtime needs: which
database and hosts the run may use, which secrets reach its tools, which executor runs it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_agent.errors import MetaAgentError
from meta_agent.runtime.backend import LogCallback, RunResult, RunSpec, TickCallback

if TYPE_CHECKING:
    from meta_agent.config import Settings
    from meta_agent.runtime.executor import Executor
    from meta_agent.tool_library.tool_registry import ToolRegistry


def uses_network(registry: ToolRegistry, tools: Sequence[str]) -> bool:
    """Whether any of these registered tools reaches the network (unknown names do not)."""
    return any(
        "uses_network" in registry.get(name).side_effects for name in tools if name in registry
    )


def tool_secrets(settings: Settings, uses_network: bool) -> dict[str, str]:
    """The settings the external tools read, passed only to runs whose plan uses them."""
    if not uses_network:
        return {}
    s = settings
    secrets: dict[str, str] = {}
    if s.external_api_key is not None:
        secrets["META_AGENT_EXTERNAL_API_KEY"] = s.external_api_key.get_secret_value()
    if s.allowed_hosts:
        secrets["META_AGENT_ALLOWED_HOSTS"] = json.dumps(list(s.allowed_hosts))
    for name, value in (("GEOCODER_URL", s.geocoder_url), ("CENSUS_URL", s.census_url)):
        if value:
            secrets[f"META_AGENT_{name}"] = value
    return secrets


def build_run_spec(
    settings: Settings,
    registry: ToolRegistry,
    run_dir: Path,
    script: Path,
    tools: Sequence[str],
    expected_outputs: Sequence[str] | None = None,
    on_log: LogCallback | None = None,
    on_tick: TickCallback | None = None,
) -> RunSpec:
    """The RunSpec of one script: hosts and secrets only when its tools use the network."""
    network = uses_network(registry, tools)
    return RunSpec(
        script=script,
        run_dir=run_dir,
        database_url=settings.resolved_database_url,
        allowed_hosts=list(settings.allowed_hosts) if network else [],
        secrets=tool_secrets(settings, network),
        expected_outputs=expected_outputs,
        on_log=on_log,
        on_tick=on_tick,
    )


def run_spec(settings: Settings, spec: RunSpec, executor: Executor | None = None) -> RunResult:
    """Run a spec on the given executor, or on a fresh one built from the settings."""
    if executor is not None:
        return executor.run(spec)
    from meta_agent.runtime.executor import Executor

    with Executor.from_settings(settings) as fresh:
        return fresh.run(spec)


def prewarmed_executor(settings: Settings, pool_dir: Path) -> Executor | None:
    """An executor whose one pool member imports the tool library now, ahead of its run.

    None when no sandbox can be started here: the run itself then reports why.
    """
    from meta_agent.runtime.executor import Executor

    try:
        pool_dir.mkdir(parents=True, exist_ok=True)
        return Executor.from_settings(
            settings,
            pool_size=1,
            database_url=settings.resolved_database_url,
            pool_dir=pool_dir,
            prewarm_only=True,
        )
    except (MetaAgentError, OSError):
        return None


def resources_of(result: RunResult) -> dict[str, Any]:
    """The resources a run used, as the manifest and ``--json`` report them."""
    return {
        "backend": result.backend,
        "wall_seconds": round(result.wall_seconds, 4),
        "cpu_seconds": round(result.cpu_seconds, 4),
        "peak_memory_mb": round(result.peak_memory_mb, 2),
        "exit_code": result.exit_code,
        "limits": _as_dict(result.limits),
    }


def _as_dict(value: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return dict(value.model_dump())
    return dict(value) if isinstance(value, dict) else {"value": str(value)}
