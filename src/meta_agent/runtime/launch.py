"""From settings and a script's tools to a sandbox run: the spec, the tools' access, the executor.

The pipeline decides *what* runs; this module turns that into what the runtime needs: which
database and hosts the run may use, what its tools may reach (through the broker), which executor
runs it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_agent.errors import MetaAgentError
from meta_agent.runtime.backend import LogCallback, RunResult, RunSpec, TickCallback

if TYPE_CHECKING:
    from meta_agent.config import Settings
    from meta_agent.runtime.early import EarlyExecutor
    from meta_agent.runtime.executor import Executor
    from meta_agent.runtime.pool import Preload
    from meta_agent.tool_library.tool_registry import ToolRegistry


def uses_network(registry: ToolRegistry, tools: Sequence[str]) -> bool:
    """Whether any of these registered tools reaches the network (unknown names do not)."""
    return any(
        "uses_network" in registry.get(name).side_effects for name in tools if name in registry
    )


def build_run_spec(
    settings: Settings,
    registry: ToolRegistry | None,
    run_dir: Path,
    script: Path,
    tools: Sequence[str],
    expected_outputs: Sequence[str] | None = None,
    on_log: LogCallback | None = None,
    on_tick: TickCallback | None = None,
) -> RunSpec:
    """The RunSpec of one script: hosts, and the settings its tools read, only when its tools use
    the network. Credentials stay on the host, with the broker (``runtime.broker``). ``registry``
    may be None for a script that uses no tool."""
    network = registry is not None and uses_network(registry, tools)
    access: dict[str, Any] = {}
    if network:
        from meta_agent.runtime.broker import tool_access

        access = tool_access(settings)
    return RunSpec(
        script=script,
        run_dir=run_dir,
        database_url=settings.resolved_database_url,
        allowed_hosts=list(settings.allowed_hosts) if network else [],
        **access,
        expected_outputs=expected_outputs,
        on_log=on_log,
        on_tick=on_tick,
    )


def run_spec(
    settings: Settings, spec: RunSpec, executor: Executor | EarlyExecutor | None = None
) -> RunResult:
    """Run a spec on the given executor (or one started early, while the script was being
    validated), or on a fresh one built from the settings."""
    if executor is not None:
        return executor.run(spec)
    from meta_agent.runtime.executor import Executor

    with Executor.from_settings(settings) as fresh:
        return fresh.run(spec)


def early_executor(settings: Settings, preload: Preload = "light") -> EarlyExecutor:
    """A fresh executor for one run, started now (``runtime.early``).

    With bwrap it starts a sandbox right away, importing ``preload`` (``pool.preload_for`` a
    script's source; "light", the data stack, for a request still being planned), so that the
    sandbox boots while the caller imports the rest, plans and validates. The script itself is
    sent only once it has passed; a rejected script's sandbox is killed unused.
    """
    from meta_agent.runtime.backend import Limits
    from meta_agent.runtime.early import EarlyExecutor
    from meta_agent.runtime.executor import Executor

    sandbox, limits = settings.sandbox, Limits.from_settings(settings)
    url = settings.resolved_database_url
    pool_dir = settings.resolved_runs_dir / ".pool"
    # The default portfolio may not exist yet: the run makes it before it starts.
    warm = not settings.uses_default_database or settings.default_database_path.exists()

    def start() -> Executor:
        if warm:
            try:
                pool_dir.mkdir(parents=True, exist_ok=True)
                return Executor(
                    sandbox,
                    limits,
                    pool_size=1,
                    database_url=url,
                    pool_dir=pool_dir,
                    prewarm_only=True,
                    preload=preload,
                )
            except (MetaAgentError, OSError):
                pass  # a cold sandbox then meets the problem and reports it
        return Executor(sandbox, limits)

    return EarlyExecutor(start)


def resources_of(result: RunResult) -> dict[str, Any]:
    """The resources a run used, as the manifest and ``--json`` report them."""
    return {
        "backend": result.backend,
        "wall_seconds": round(result.wall_seconds, 4),
        "cpu_seconds": round(result.cpu_seconds, 4),
        "peak_memory_mb": round(result.peak_memory_mb, 2),
        "exit_code": result.exit_code,
        "limits": _as_dict(result.limits),
        "sandbox": dict(result.sandbox),
    }


def _as_dict(value: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return dict(value.model_dump())
    return dict(value) if isinstance(value, dict) else {"value": str(value)}
