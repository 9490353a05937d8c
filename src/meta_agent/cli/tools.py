"""``meta-agent tools``: what the tool library offers, for people and programs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from meta_agent.tool_library.tool_registry import ToolRegistry

app = typer.Typer(help="List the registered tools.", invoke_without_command=True)


def _registry() -> ToolRegistry:
    import os

    from meta_agent.tool_library.tool_registry import default_registry

    # Read directly: loading Settings costs ~0.2 s, and listing tools must stay fast.
    plugins = os.environ.get("META_AGENT_LOAD_PLUGINS", "true").lower() not in ("0", "false", "no")
    return default_registry(load_plugins=plugins)


@app.callback()
def list_tools(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON array, for programs.")
    ] = False,
) -> None:
    """List every registered tool (name, category, version, description)."""
    if ctx.invoked_subcommand is not None:
        return
    tools = _registry().tools()
    if as_json:
        typer.echo(json.dumps([t.to_dict() for t in tools], indent=2))
        return
    from meta_agent.cli.render import console, tools_table

    console().print(tools_table(tools))


@app.command("show")
def show(name: str) -> None:
    """Show one tool with its parameters and JSON Schema."""
    from meta_agent.cli.render import console, tool_panel

    console().print(tool_panel(_registry().get(name)))
