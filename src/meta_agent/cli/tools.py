"""``meta-agent tools``: what the tool library offers, for people and programs."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from meta_agent.tool_library.tool_registry import Tool, ToolRegistry

app = typer.Typer(help="List the registered tools.", invoke_without_command=True)


def _registry() -> ToolRegistry:
    from meta_agent.config import load_settings
    from meta_agent.tool_library.tool_registry import default_registry

    # Through Settings like every command, so `tools`, `validate` and `exec` see the same library.
    return default_registry(load_plugins=load_settings().load_plugins)


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
    print_listing(as_json)


def print_listing(as_json: bool) -> None:
    """The listing itself (also reached by the CLI's fast path, without building the app)."""
    tools = _registry().tools()
    if as_json:
        sys.stdout.write(json.dumps([t.to_dict() for t in tools], indent=2) + "\n")
    else:
        sys.stdout.write(tools_table(tools) + "\n")


@app.command("show")
def show(name: str) -> None:
    """Show one tool with its parameters and JSON Schema."""
    from meta_agent.cli.render import console, tool_panel

    console().print(tool_panel(_registry().get(name)))


def tools_table(tools: Sequence[Tool]) -> str:
    """The tool library grouped by category, one aligned line per tool.

    Plain text on purpose: a Rich table measuring 60 rows costs more than the rest of the command.
    """
    width = max((len(t.name) for t in tools), default=10)
    lines = [f"{len(tools)} registered tools (`meta-agent tools show NAME` for one in full)"]
    for category in sorted({t.category for t in tools}):
        lines.append(f"\n{category}")
        for item in (t for t in tools if t.category == category):
            effects = f" [{', '.join(sorted(item.side_effects))}]" if item.side_effects else ""
            lines.append(f"  {item.name:<{width}}  {item.version:<7} {item.description}{effects}")
    return "\n".join(lines)
