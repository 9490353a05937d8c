"""The restatement of an LLM's plan, generated from the checked steps, never from the model's prose.

What a person approves is what will run: each step's tool (in the registry's words), the
properties it reads, its conditions and thresholds, the files it writes, and custom code flagged
as such. The model's own description of a step is left out on purpose: it could say anything.
"""

from __future__ import annotations

from typing import Any

from meta_agent.planning.describe import describe_filter
from meta_agent.planning.directory import PortfolioDirectory
from meta_agent.planning.llm_checks import SCOPE_FIELDS, is_ref, output_names
from meta_agent.planning.models import ExecutionPlan, MetricFilter, PlanStep
from meta_agent.scripting.generate import custom_body, custom_inputs
from meta_agent.tool_library.tool_registry import ToolRegistry

_SCOPE_WORDS = {
    "property_id": "property",
    "property_ids": "properties",
    "peer_ids": "peers",
    "property_types": "types",
    "markets": "markets",
    "states": "states",
    "cities": "cities",
}
_THRESHOLDS = ("threshold", "limit", "n", "months", "within_months", "year_offset")


def restate_plan(plan: ExecutionPlan, registry: ToolRegistry, directory: PortfolioDirectory) -> str:
    """'Planned by the LLM, N steps: 1. ...; 2. ... Writes a.csv, results.json.'"""
    numbers = {step.id: number for number, step in enumerate(plan.steps, 1)}
    parts = [_step(step, numbers, registry, directory) for step in plan.steps]
    custom = [str(numbers[s.id]) for s in plan.steps if s.is_custom]
    text = f"Planned by the LLM, {len(plan.steps)} steps, each checked against the tool registry: "
    text += " ".join(f"{numbers[s.id]}. {part}." for s, part in zip(plan.steps, parts, strict=True))
    files = [output.filename for output in plan.outputs]
    if files:
        text += f" Writes {', '.join(files)}."
    if custom:
        text += (
            f" Step(s) {', '.join(custom)} run CUSTOM CODE written by the model (not a "
            "registered tool): read it in the script before approving."
        )
    return text


def _step(
    step: PlanStep, numbers: dict[str, int], registry: ToolRegistry, directory: PortfolioDirectory
) -> str:
    if step.is_custom:
        inputs = [_ref(value, numbers) for value in custom_inputs(step).values()]
        lines = len(custom_body(step))
        reads = f" of {', '.join(inputs)}" if inputs else ""
        return f"CUSTOM CODE ({lines} lines of Python){reads}"
    tool = registry.get(step.tool)
    what = tool.description
    for cut in (", e.g.", ", each {", " (", ": "):  # the summary, without examples and lists
        what = what.split(cut)[0]
    what = what.rstrip(".: ")
    said = [f"{tool.name}: {what}"]
    details: list[str] = []
    for name, value in step.arguments.items():
        if is_ref(value):
            details.append(f"{name} from {_ref(value, numbers)}")
        elif name in SCOPE_FIELDS and value:
            details.append(f"{_SCOPE_WORDS[name]} {_scope_values(name, value, directory)}")
        elif name == "conditions" and isinstance(value, list):
            details.append("keeping rows where " + " and ".join(_condition(c) for c in value))
        elif name in _THRESHOLDS and value is not None:
            details.append(f"{name} {value}")
        elif name in ("by", "column", "metrics", "columns", "group_by", "value_column"):
            details.append(f"{name} {_plain(value)}")
        elif name == "descending" and value is not None:
            details.append("highest first" if value else "lowest first")
    files = output_names(tool, step.arguments)
    if files:
        details.append(f"writing {', '.join(files)}")
    return said[0] + (f" ({'; '.join(details)})" if details else "")


def _ref(value: Any, numbers: dict[str, int]) -> str:
    target = str(value.get("$ref"))
    key = value.get("key")
    text = f"step {numbers.get(target, '?')} ({target})"
    return f"{text}[{key!r}]" if key is not None else text


def _scope_values(name: str, value: Any, directory: PortfolioDirectory) -> str:
    values = value if isinstance(value, list) else [value]
    if name in ("property_id", "property_ids", "peer_ids"):
        values = [directory.by_id[v].name if v in directory.by_id else v for v in values]
    return ", ".join(str(v) for v in values)


def _condition(condition: Any) -> str:
    if not isinstance(condition, dict):
        return _plain(condition)
    value = condition.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{condition.get('column')} {condition.get('op')} {_plain(value)}"
    try:
        return describe_filter(
            MetricFilter(
                metric=condition["column"], op=condition["op"], value=float(condition["value"])
            )
        )
    except (KeyError, TypeError, ValueError):
        return f"{condition.get('column')} {condition.get('op')} {_plain(condition.get('value'))}"


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    return str(value)
