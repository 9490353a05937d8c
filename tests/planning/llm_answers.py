"""Answers a model might give the LLM planner: good ones and each kind of bad one."""

from __future__ import annotations

import copy
from typing import Any

# Outside the offline grammar: a dollar cushion over a coverage level is no metric it knows.
CUSHION_REQUEST = "Retail assets under 1.3x, with how many dollars of NOI they are short of 1.3x"

CUSHION_CODE = """\
out = table[['property_id', 'name', 'noi', 'debt_service', 'dscr']].copy()
out['shortfall_usd'] = 1.3 * out['debt_service'] - out['noi']
return out.sort_values('shortfall_usd', ascending=False)
"""


def step(step_id: str, tool: str, description: str = "", **arguments: Any) -> dict[str, Any]:
    return {"id": step_id, "tool": tool, "arguments": arguments, "description": description or tool}


def ref(step_id: str) -> dict[str, str]:
    return {"$ref": step_id}


def answer(*steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "understood": "Retail properties below 1.3x DSCR and their NOI shortfall to 1.3x",
        "intent": "metrics",
        "goal": "Retail assets below 1.3x and their NOI shortfall",
        "refusal": None,
        "assumptions": ["shortfall = 1.3 x debt service - T12 NOI"],
        "steps": list(steps),
    }
    base.update(fields)
    return base


def cushion_plan(code: str = CUSHION_CODE, tool: str = "filter_data") -> dict[str, Any]:
    """Retail metrics, DSCR < 1.3, a custom shortfall column, CSV, summary, results.json."""
    return answer(
        step("metrics", "fetch_portfolio_metrics", "Retail metrics", property_types=["retail"]),
        step(
            "below",
            tool,
            "DSCR below 1.3x",
            data=ref("metrics"),
            conditions=[{"column": "dscr", "op": "<", "value": 1.3}],
        ),
        step(
            "shortfall", "custom_python", "NOI shortfall", inputs={"table": ref("below")}, code=code
        ),
        step(
            "save", "export_to_csv", "Save", data=ref("shortfall"), filename="retail_shortfall.csv"
        ),
        step("summary", "summarize_results", "Summary", data=ref("shortfall"), threshold=1.3),
        step("results_file", "write_results_json", "results.json", summary=ref("summary")),
    )


def tool_only_plan() -> dict[str, Any]:
    """No custom code: the three weakest debt yields among office properties."""
    return answer(
        step("metrics", "fetch_portfolio_metrics", "Office metrics", property_types=["office"]),
        step("ranked", "rank_data", "Weakest first", data=ref("metrics"), by="debt_yield", limit=3),
        step("save", "export_to_csv", "Save", data=ref("ranked"), filename="office_debt_yield.csv"),
        step("summary", "summarize_results", "Summary", data=ref("ranked")),
        step("results_file", "write_results_json", "results.json", summary=ref("summary")),
        intent="ranking",
        goal="Three office properties with the lowest debt yield",
        understood="the three office properties with the lowest debt yield",
        assumptions=[],
    )


def with_tool(plan: dict[str, Any], index: int, tool: str) -> dict[str, Any]:
    changed = copy.deepcopy(plan)
    changed["steps"][index]["tool"] = tool
    return changed


def with_arguments(plan: dict[str, Any], index: int, **arguments: Any) -> dict[str, Any]:
    changed = copy.deepcopy(plan)
    changed["steps"][index]["arguments"].update(arguments)
    return changed
