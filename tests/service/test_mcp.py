"""``meta-agent mcp`` answers the official SDK's client over stdio: plan, approve by running, read."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.service.conftest import USE_CASE_1

ENTRY = "from meta_agent.cli.main import run; run()"


def _data(result: Any) -> Any:
    assert not result.is_error, result
    if result.structured_content is not None:
        content = result.structured_content
        return content.get("result", content) if set(content) == {"result"} else content
    return json.loads(result.content[0].text)


def test_plan_run_and_read_use_case_1_over_stdio(sample_db_url: str) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-c", ENTRY, "mcp"],
        env={**os.environ, "META_AGENT_DATABASE_URL": sample_db_url},
    )

    async def conversation() -> dict[str, Any]:
        async with (
            stdio_client(params) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            names = {tool.name for tool in (await session.list_tools()).tools}
            assert names == {"plan_request", "run_plan", "get_run", "list_tools"}
            library = _data(await session.call_tool("list_tools", {}))
            assert any(tool["name"] == "calculate_dscr" for tool in library)

            planned = _data(await session.call_tool("plan_request", {"request": USE_CASE_1}))
            assert planned["status"] == "awaiting_approval", planned
            assert planned["plan"] and "DSCR" in planned["script"]
            run_id = planned["run_id"]
            # Planning ran nothing.
            assert _data(await session.call_tool("get_run", {"run_id": run_id}))["artifacts"] == []

            ran = _data(await session.call_tool("run_plan", {"run_id": run_id}))
            assert ran["status"] == "succeeded", ran
            assert "dscr_by_property.csv" in ran["artifacts"]
            assert ran["decisions"][0]["actor"] == "mcp"
            again = _data(await session.call_tool("run_plan", {"run_id": run_id}))
            assert "only a run awaiting approval" in again["error"]
            missing = _data(await session.call_tool("get_run", {"run_id": "nope"}))
            assert missing["type"] == "RunNotFound"
            refused = _data(
                await session.call_tool("plan_request", {"request": "drop table loans"})
            )
            assert refused["status"] == "rejected" and refused["reason"]
            return ran

    result = anyio.run(conversation)
    assert result["summary"]
