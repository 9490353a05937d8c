"""The checks every step of an LLM's plan passes before a script is generated from it.

A plan from a model is a proposal. Each step must name a registered tool (or be a well-formed
custom step), pass only the tool's parameters with literal values that fit its JSON Schema, read
only results of earlier steps, name only properties, types, markets and states that exist, and
write only plain file names inside ``results/``. Each problem is one sentence the model can act
on in a repair; the script generator and the validator come after these, not instead of them.
"""

from __future__ import annotations

import ast
import builtins
import keyword
from difflib import get_close_matches
from typing import Any

from meta_agent.planning.directory import PortfolioDirectory
from meta_agent.planning.models import CUSTOM_STEP_TOOL, ExpectedOutput, OutputKind, PlanStep
from meta_agent.scripting.generate import custom_body
from meta_agent.scripting.policy import schema_problem
from meta_agent.tool_library.outputs import SAFE_NAME
from meta_agent.tool_library.tool_registry import Tool, ToolRegistry

MAX_STEPS = 30  # the offline planner's longest plan has 14; a longer one is a confused model
MAX_CUSTOM_LINES = 40  # a custom step is a short gap-filler, not a program a reviewer must audit
# The file kinds a plan may leave in results/, by extension.
OUTPUT_KINDS: dict[str, OutputKind] = {
    ".csv": "csv",
    ".xlsx": "excel",
    ".pdf": "pdf",
    ".png": "chart",
    ".json": "json",
    ".md": "markdown",
}
# Arguments naming part of the portfolio: their literal values must exist in the directory.
SCOPE_FIELDS = {
    "property_id": "property_id",
    "property_ids": "property_id",
    "peer_ids": "property_id",
    "property_types": "property_type",
    "markets": "market",
    "states": "state",
    "cities": "city",
}
RESERVED_NAMES = frozenset({"logging", "logger", "main"})  # names the script template binds


def is_ref(value: Any) -> bool:
    return isinstance(value, dict) and "$ref" in value


def check_steps(
    steps: list[PlanStep], registry: ToolRegistry, directory: PortfolioDirectory
) -> list[str]:
    """Every problem of the steps, in order; an empty list means they may be rendered."""
    if not steps:
        return ["the plan has no steps"]
    problems: list[str] = []
    if len(steps) > MAX_STEPS:
        problems.append(f"the plan has {len(steps)} steps; at most {MAX_STEPS} are allowed")
    defined: list[str] = []
    files: dict[str, str] = {}
    for number, step in enumerate(steps, 1):
        where = f"step {number} ({step.id})"
        if step.id in defined:
            problems.append(f"{where}: the id {step.id!r} is already used by an earlier step")
        if step.id in RESERVED_NAMES or step.id.startswith("custom_"):
            problems.append(f"{where}: the id {step.id!r} is reserved; choose another")
        problems += [f"{where}: {p}" for p in _refs(step.arguments, defined)]
        if step.is_custom:
            problems += [f"{where}: {p}" for p in _custom(step, registry, defined)]
        elif step.tool not in registry:
            close = get_close_matches(step.tool, registry.names(), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            problems.append(
                f"{where}: there is no tool named {step.tool!r}{hint} Use only the tools listed, "
                f"or {CUSTOM_STEP_TOOL}."
            )
        else:
            tool = registry.get(step.tool)
            problems += [f"{where}: {p}" for p in _arguments(tool, step.arguments)]
            problems += [f"{where}: {p}" for p in _scope(step.arguments, directory)]
            for filename in output_names(tool, step.arguments):
                problem = _filename_problem(filename)
                if problem:
                    problems.append(f"{where}: {problem}")
                elif filename in files:
                    problems.append(
                        f"{where}: {filename!r} is already written by {files[filename]}"
                    )
                else:
                    files[filename] = step.id
        defined.append(step.id)
    return problems


def output_names(tool: Tool, arguments: dict[str, Any]) -> list[str]:
    """The result files a call writes: its ``filename`` argument, or the parameter's default."""
    spec = tool.parameters.get("properties", {}).get("filename")
    if spec is None:
        return []
    name = arguments.get("filename", spec.get("default"))
    return [name] if isinstance(name, str) else []


def expected_outputs(steps: list[PlanStep], registry: ToolRegistry) -> list[ExpectedOutput]:
    """The files the run must leave, from the steps that write them (the first CSV headlines)."""
    from meta_agent.planning.analysis_recipes import REPORT_FILES

    outputs: list[ExpectedOutput] = []
    for step in steps:
        if step.is_custom or step.tool not in registry:
            continue
        tool = registry.get(step.tool)
        if tool.name == "build_executive_report":
            outputs += [
                ExpectedOutput(filename=f, kind=k, description=t) for f, k, t in REPORT_FILES
            ]
        for name in output_names(tool, step.arguments):
            kind = OUTPUT_KINDS.get(_extension(name), "json")
            outputs.append(ExpectedOutput(filename=name, kind=kind, description=step.description))
    first_csv = next((o for o in outputs if o.kind == "csv"), None)
    if first_csv is not None:
        first_csv.headline = True
    return outputs


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _filename_problem(name: str) -> str | None:
    if not SAFE_NAME.match(name) or ".." in name:
        return (
            f"the file name {name!r} is not allowed: a plain name such as 'dscr.csv' (letters, "
            "digits, '.', '-', '_'), written inside results/"
        )
    if _extension(name) not in OUTPUT_KINDS:
        return f"the file name {name!r} must end with one of {', '.join(OUTPUT_KINDS)}"
    return None


def _refs(value: Any, defined: list[str]) -> list[str]:
    """References to results that do not exist yet (or are not references at all)."""
    if is_ref(value):
        target, key = value.get("$ref"), value.get("key")
        extra = set(value) - {"$ref", "key"}
        if extra:
            return [f"a reference may only hold $ref and key, not {sorted(extra)}"]
        if not isinstance(target, str) or target not in defined:
            return [f"{{'$ref': {target!r}}} names no earlier step (defined so far: {defined})"]
        if key is not None and not isinstance(key, str):
            return [f"the key of a reference to {target!r} must be a string"]
        return []
    if isinstance(value, dict):
        return [p for item in value.values() for p in _refs(item, defined)]
    if isinstance(value, list):
        return [p for item in value for p in _refs(item, defined)]
    return []


def _arguments(tool: Tool, arguments: dict[str, Any]) -> list[str]:
    """Arguments the tool does not take, required ones missing, literals that break the schema."""
    properties: dict[str, Any] = tool.parameters.get("properties", {})
    problems = [
        f"{tool.name} has no parameter {name!r} (it takes {', '.join(properties) or 'none'})"
        for name in arguments
        if name not in properties
    ]
    missing = [n for n in tool.parameters.get("required", []) if n not in arguments]
    if missing:
        problems.append(f"{tool.name} needs {', '.join(missing)}")
    for name, value in arguments.items():
        if name in properties:
            problem = _fits(value, properties[name])
            if problem:
                problems.append(f"{tool.name}({name}=...): {problem}")
    return problems


def _contains_ref(value: Any) -> bool:
    if is_ref(value):
        return True
    if isinstance(value, dict):
        return any(_contains_ref(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_ref(v) for v in value)
    return False


def _fits(value: Any, schema: dict[str, Any]) -> str | None:
    """schema_problem (the validator's own check), where references stand for any value."""
    if is_ref(value):
        return None
    if not _contains_ref(value):
        return schema_problem(value, schema)
    if "anyOf" in schema:
        found = [_fits(value, option) for option in schema["anyOf"]]
        return None if not all(found) else found[0]
    kind = schema.get("type")
    if isinstance(value, dict):
        if kind not in (None, "object"):
            return f"an object is not {kind}"
        named = schema.get("properties", {})
        other = schema.get("additionalProperties", {})
        for key, item in value.items():
            problem = _fits(item, named.get(key, other if isinstance(other, dict) else {}))
            if problem:
                return f"[{key!r}]: {problem}"
        return None
    if kind not in (None, "array"):
        return f"a list is not {kind}"
    items = schema.get("items", {})
    for index, item in enumerate(value):
        problem = _fits(item, items)
        if problem:
            return f"item {index}: {problem}"
    return None


def _scope(arguments: dict[str, Any], directory: PortfolioDirectory) -> list[str]:
    """Names of properties, types, markets, states or cities the portfolio does not have."""
    known = {
        "property_id": set(directory.ids),
        "property_type": set(directory.types),
        "market": set(directory.markets),
        "state": set(directory.states),
        "city": set(directory.cities),
    }
    problems: list[str] = []
    for name, value in arguments.items():
        field = SCOPE_FIELDS.get(name)
        if field is None or value is None or _contains_ref(value):
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and item not in known[field]:
                close = get_close_matches(item, sorted(known[field]), n=3)
                hint = f" (closest: {', '.join(close)})" if close else ""
                problems.append(f"{name}: {item!r} is not a {field} of this portfolio{hint}")
    return problems


def _custom(step: PlanStep, registry: ToolRegistry, defined: list[str]) -> list[str]:
    """A custom step: ``inputs`` (identifier -> reference) and ``code`` (a short function body).

    The code reads earlier results only through its inputs: the restatement says what it reads,
    so a name of another step's result (reachable as a closure in the script) is refused.
    """
    arguments = step.arguments
    extra = set(arguments) - {"inputs", "code"}
    problems = (
        [f"{CUSTOM_STEP_TOOL} takes only inputs and code, not {sorted(extra)}"] if extra else []
    )
    inputs = arguments.get("inputs", {})
    if not isinstance(inputs, dict):
        return [*problems, f'{CUSTOM_STEP_TOOL}: inputs must map names to {{"$ref": step}}']
    for name, value in inputs.items():
        taken = keyword.iskeyword(name) or hasattr(builtins, name) or name in registry
        if not name.isidentifier() or taken or name in RESERVED_NAMES:
            problems.append(f"{CUSTOM_STEP_TOOL}: {name!r} cannot be a parameter name")
        if not is_ref(value):
            problems.append(f'{CUSTOM_STEP_TOOL}: input {name!r} must be {{"$ref": "<step id>"}}')
    code = arguments.get("code")
    if not isinstance(code, str) or not code.strip():
        return [*problems, f"{CUSTOM_STEP_TOOL}: code must be the body of a function, as text"]
    lines = custom_body(step)
    if len(lines) > MAX_CUSTOM_LINES:
        problems.append(f"{CUSTOM_STEP_TOOL}: {len(lines)} lines; at most {MAX_CUSTOM_LINES}")
    body = "\n".join("    " + line for line in lines)
    try:
        tree = ast.parse(f"def custom({', '.join(inputs)}):\n{body}\n")
    except SyntaxError as exc:
        return [*problems, f"{CUSTOM_STEP_TOOL}: the code does not parse: {exc.msg}"]
    if not any(isinstance(node, ast.Return) for node in ast.walk(tree)):
        problems.append(f"{CUSTOM_STEP_TOOL}: the code must end by returning its result")
    assigned = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }
    read = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    outside = sorted((read & set(defined)) - set(inputs) - assigned)
    if outside:
        problems.append(
            f"{CUSTOM_STEP_TOOL}: the code reads {', '.join(outside)} without declaring it; "
            f'pass earlier results as inputs ({{"name": {{"$ref": "<step id>"}}}})'
        )
    return problems
