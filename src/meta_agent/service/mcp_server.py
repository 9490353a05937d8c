"""``meta-agent mcp``: Meta-Agent as a Model Context Protocol server over stdio (the ``mcp`` SDK).

An assistant plans with ``plan_request`` (nothing runs), shows the plan to its user, and runs it
with ``run_plan`` only then: the same approval step as the API and the page, through the same
``RunService``. Runs belong to the local user ``mcp`` (whoever starts this process already has
the runs folder). stdout carries the protocol only; logs go to stderr.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from meta_agent.errors import MetaAgentError
from meta_agent.service.metrics import ServiceMetrics
from meta_agent.service.runs import RunService, describe, restatement_of
from meta_agent.service.store import UNFINISHED, ServiceStore, User
from meta_agent.service.workers import ThreadWorkers

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from meta_agent.config import Settings

MCP_USER = User("mcp", admin=False)
RUN_WAIT_SECONDS = 3600.0


def build_server(settings: Settings) -> MCPServer[Any]:
    """The MCP server and its four tools over one configuration."""
    import anyio.to_thread
    from mcp.server.mcpserver import MCPServer

    from meta_agent.pipeline import Pipeline

    store = ServiceStore.for_settings(settings)
    service = RunService(Pipeline(settings), store, ThreadWorkers(1), ServiceMetrics())
    server: MCPServer[Any] = MCPServer(
        "meta-agent",
        instructions=(
            "Plan a portfolio analysis with plan_request, show the restatement, plan and script "
            "to the user, and call run_plan only when they approve it."
        ),
    )

    def plan(request: str) -> dict[str, Any]:
        outcome = service.submit(MCP_USER, request=request)
        assert outcome.run_id is not None
        run = describe(service.view(outcome.run_id, MCP_USER), store)
        return {
            "run_id": run["id"],
            "status": run["status"],
            "reason": run["error"],
            "restatement": restatement_of(_analysis(service, run["id"])),
            "interpretations": run["interpretations"],
            "plan": [
                {"tool": step["tool"], "description": step["description"]}
                for step in (run["plan"] or {}).get("steps", [])
            ],
            "script": run["script"],
            "needs_approval": run["needs_approval"],
        }

    def execute(run_id: str, acknowledge: list[str]) -> dict[str, Any]:
        service.approve(run_id, MCP_USER, acknowledge)
        deadline = time.monotonic() + RUN_WAIT_SECONDS
        while store.status_of(run_id) in UNFINISHED and time.monotonic() < deadline:
            time.sleep(0.05)
        return _result(describe(service.view(run_id, MCP_USER), store))

    @server.tool()
    async def plan_request(request: str) -> dict[str, Any]:
        """Plan a request about the portfolio: restatement, plan and script. Runs nothing."""
        return await anyio.to_thread.run_sync(_answer, plan, request)

    @server.tool()
    async def run_plan(run_id: str, acknowledge: list[str] | None = None) -> dict[str, Any]:
        """Run a plan from plan_request that the user approved; waits for its results.

        Tools listed in the plan's needs_approval send data out: name them in ``acknowledge``
        only when the user approved exactly those.
        """
        return await anyio.to_thread.run_sync(
            _answer, lambda rid: execute(rid, acknowledge or []), run_id
        )

    @server.tool()
    async def get_run(run_id: str) -> dict[str, Any]:
        """A run's status, summary, artifacts (and where they are), and error if any."""
        return await anyio.to_thread.run_sync(
            _answer, lambda rid: _result(describe(service.view(rid, MCP_USER), store)), run_id
        )

    @server.tool()
    def list_tools() -> list[dict[str, str]]:
        """The tools a plan may use: name, category and description."""
        return [
            {"name": t.name, "category": t.category, "description": t.description}
            for t in service.pipeline.registry.tools()
        ]

    return server


def _answer(function: Any, argument: str) -> dict[str, Any]:
    """Our errors become an answer the assistant can read, not a protocol failure."""
    try:
        result: dict[str, Any] = function(argument)
        return result
    except MetaAgentError as problem:
        return {"error": str(problem), "type": type(problem).__name__}


def _analysis(service: RunService, run_id: str) -> Any:
    return service.view(run_id, MCP_USER).folder().read_json("analysis.json")


def _result(run: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "status", "error", "summary", "artifacts", "phases", "resources", "decisions")
    return {key: run[key] for key in keys}
