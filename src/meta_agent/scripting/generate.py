"""Render an ExecutionPlan into a readable Python script, cached by everything that shapes it.

The script is the plan made concrete: imports of exactly the tools used, one logged step per tool
call, a guard where an empty table would make the rest meaningless, and error handling that logs
and re-raises. Analysts read, edit and re-run it by hand, so it is plain code, not a framework.
"""

from __future__ import annotations

import hashlib
import keyword
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meta_agent.planning.models import ExecutionPlan, PlanStep
from meta_agent.tool_library.tool_registry import Tool, ToolRegistry

LINE_LIMIT = 96  # longer calls are split one argument per line
TEMPLATE = "script.py.j2"
SCRIPT_NAMES = frozenset({"logging", "logger", "main"})  # names the template itself binds


@dataclass(frozen=True)
class GeneratedScript:
    """A rendered script and where it came from."""

    source: str
    plan_hash: str
    from_cache: bool


class ScriptGenerator:
    """Turns plans into scripts; the same plan always yields the same script."""

    def __init__(self, registry: ToolRegistry, cache_dir: Path | None = None) -> None:
        self.registry = registry
        self.cache_dir = cache_dir
        self._template: Any = None

    def generate(self, plan: ExecutionPlan) -> GeneratedScript:
        """The script for ``plan``, from the cache when the same plan was rendered before by the
        same package version, template and tool versions."""
        plan_hash = plan.content_hash()
        cached = self._cache_path(self.cache_key(plan, plan_hash))
        if cached is not None and cached.is_file():
            return GeneratedScript(cached.read_text(encoding="utf-8"), plan_hash, True)
        source = self.render(plan, plan_hash)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            # A name of its own per thread: the service renders the same plan concurrently.
            temporary = cached.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
            temporary.write_text(source, encoding="utf-8")
            temporary.replace(cached)
        return GeneratedScript(source, plan_hash, False)

    def cache_key(self, plan: ExecutionPlan, plan_hash: str) -> str:
        """What the rendered text depends on: the plan, Meta-Agent's version, the template and
        this module (how steps are laid out), and each used tool's module and version."""
        from meta_agent import __version__

        digest = hashlib.sha256()
        digest.update(f"{plan_hash}\0{__version__}\0".encode())
        digest.update(_source_digest())
        for name in sorted({step.tool for step in plan.steps if not step.is_custom}):
            tool = self.registry.get(name)
            digest.update(f"{name}\0{tool.module}\0{tool.version}\0".encode())
        return digest.hexdigest()

    def render(self, plan: ExecutionPlan, plan_hash: str) -> str:
        """Render without the cache. The text carries no time stamp: the same plan gives the same
        script byte for byte, and the run's manifest says when it ran."""
        from meta_agent import __version__

        tools = {s.tool: self.registry.get(s.tool) for s in plan.steps if not s.is_custom}
        used_later = _referenced_ids(plan.steps)
        steps = [
            self._render_custom(step, used_later)
            if step.is_custom
            else self._render_step(step, tools[step.tool], used_later)
            for step in plan.steps
        ]
        rendered: str = self._load_template().render(
            goal=_one_line(plan.goal),
            request=_one_line(plan.request),
            restatement=_one_line(plan.restatement),
            version=__version__,
            planner=plan.planner,
            custom=", ".join(step.id for step in plan.steps if step.is_custom),
            plan_hash=plan_hash,
            interpretations=[_one_line(text) for text in plan.interpretations],
            imports=_imports(tools.values()),
            steps=steps,
            outputs=plan.outputs,
        )
        return rendered

    def _render_step(self, step: PlanStep, tool: Tool, used_later: set[str]) -> dict[str, Any]:
        var = _variable_name(step.id, self.registry)
        assign = step.id in used_later
        code = _call_lines(f"{var} = " if assign else "", tool, step.arguments, self.registry)
        returns_table = tool.returns.get("x-python-type") == "pandas.DataFrame"
        report = None
        guard = None
        if assign and returns_table:
            report = f'logger.info("  {var}: %d rows", len({var}))'
            if "reads_database" in tool.side_effects:
                guard = repr(f"{tool.name} returned no rows: nothing in the portfolio matches.")
        return {
            "description": step.description,
            "code": code,
            "var": var,
            "report": report,
            "guard": guard,
        }

    def _render_custom(self, step: PlanStep, used_later: set[str]) -> dict[str, Any]:
        """Custom code as a function of its inputs, between banners a reader cannot miss.

        The body is the planner's text, indented; the validator judges it with the rest of the
        script, so nothing here makes it safer or trusts it.
        """
        var = _variable_name(step.id, self.registry)
        inputs = custom_inputs(step)
        function = f"custom_{step.id}"
        body = custom_body(step)
        call = ", ".join(f"{name}={_value(value, self.registry)}" for name, value in inputs.items())
        assign = f"{var} = " if step.id in used_later else ""
        code = [
            _rule(f"# {CUSTOM_BANNER} {step.id} "),
            "# Written by the LLM planner where no registered tool fits; checked by the same",
            "# validator and run in the same sandbox as the rest of this script.",
            f"def {function}({', '.join(inputs)}):",
            *(f"    {line}".rstrip() for line in body),
            f"{assign}{function}({call})",
            _rule(f"# {CUSTOM_END} {step.id} "),
        ]
        return {
            "description": step.description,
            "code": code,
            "var": var,
            "report": None,
            "guard": None,
        }

    def _cache_path(self, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"{key}.py"

    def _load_template(self) -> Any:
        if self._template is None:
            import jinja2

            environment = jinja2.Environment(
                loader=jinja2.PackageLoader("meta_agent.scripting", "templates"),
                keep_trailing_newline=True,
                trim_blocks=False,
                lstrip_blocks=False,
                autoescape=False,
                undefined=jinja2.StrictUndefined,
            )
            environment.filters["pystr"] = _python_string_body
            self._template = environment.get_template(TEMPLATE)
        return self._template


_SOURCE_DIGEST: bytes | None = None


def _source_digest() -> bytes:
    """sha256 of the template and of this module, read once per process."""
    global _SOURCE_DIGEST
    if _SOURCE_DIGEST is None:
        here = Path(__file__).resolve()
        digest = hashlib.sha256(here.read_bytes())
        digest.update((here.parent / "templates" / TEMPLATE).read_bytes())
        _SOURCE_DIGEST = digest.digest()
    return _SOURCE_DIGEST


CUSTOM_BANNER = "---- CUSTOM CODE, step"  # how the script marks custom code (and findings in it)
CUSTOM_END = "---- END OF CUSTOM CODE, step"


def _rule(text: str) -> str:
    """A banner comment padded with dashes to the width of the script's long lines."""
    return text + "-" * max(4, LINE_LIMIT - 8 - len(text))


def custom_inputs(step: PlanStep) -> dict[str, Any]:
    """A custom step's inputs: parameter name -> ``{"$ref": step}`` (empty when malformed)."""
    inputs = step.arguments.get("inputs")
    return dict(inputs) if isinstance(inputs, dict) else {}


def custom_body(step: PlanStep) -> list[str]:
    """A custom step's code as lines of a function body, dedented (tabs as four spaces)."""
    import textwrap

    code = step.arguments.get("code")
    text = code.expandtabs(4).strip("\n") if isinstance(code, str) else ""
    return textwrap.dedent(text).splitlines()


def _imports(tools: Any) -> list[str]:
    """``from module import a, b`` lines, one per module, parenthesised when too long."""
    by_module: dict[str, set[str]] = {}
    for item in tools:
        by_module.setdefault(item.module, set()).add(item.function.__name__)
    lines = []
    for module, names in sorted(by_module.items()):
        line = f"from {module} import {', '.join(sorted(names))}"
        if len(line) > LINE_LIMIT:
            line = "\n".join(
                [f"from {module} import (", *(f"    {n}," for n in sorted(names)), ")"]
            )
        lines.append(line)
    return lines


def _referenced_ids(steps: list[PlanStep]) -> set[str]:
    found: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            if "$ref" in value:
                found.add(str(value["$ref"]))
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    for step in steps:
        visit(step.arguments)
    return found


def _variable_name(step_id: str, registry: ToolRegistry) -> str:
    """A step id as a variable that shadows neither a keyword, a builtin nor a tool."""
    import builtins

    taken = keyword.iskeyword(step_id) or hasattr(builtins, step_id) or step_id in registry
    if taken or step_id in SCRIPT_NAMES:
        return f"{step_id}_result"
    return step_id


def _call_lines(
    prefix: str, tool: Tool, arguments: dict[str, Any], registry: ToolRegistry
) -> list[str]:
    """``prefix name(first, key=value)`` on one line, or one argument per line when too long."""
    order = list(tool.parameters.get("properties", {}))
    unknown = [name for name in arguments if name not in order]
    if unknown:
        raise ValueError(f"plan passes unknown argument(s) {unknown} to {tool.name}")
    required = tool.parameters.get("required", [])
    given = [name for name in order if name in arguments]
    positional = bool(given) and given[0] == order[0] and order[0] in required
    head = f"{prefix}{tool.function.__name__}("

    def part(index: int, name: str, indent: int) -> str:
        rendered = _format(arguments[name], registry, indent)
        return rendered if index == 0 and positional else f"{name}={rendered}"

    one_line = head + ", ".join(part(i, n, 0) for i, n in enumerate(given)) + ")"
    if len(one_line) + 4 <= LINE_LIMIT or not given:
        return [one_line]
    body = [f"    {part(i, n, 4)}," for i, n in enumerate(given)]
    return [head, *"\n".join(body).splitlines(), ")"]


def _format(value: Any, registry: ToolRegistry, indent: int) -> str:
    """A plan value as Python source; long lists and dicts get one item per line."""
    flat = _value(value, registry)
    is_reference = isinstance(value, dict) and "$ref" in value
    if len(flat) + indent + 8 <= LINE_LIMIT or is_reference or not isinstance(value, (list, dict)):
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, list) and all(not isinstance(v, (list, dict)) for v in value):
        return (
            "[\n"
            + "\n".join(_packed([_value(v, registry) for v in value], pad))
            + "\n"
            + " " * indent
            + "]"
        )
    if isinstance(value, list):
        items = [f"{pad}{_format(v, registry, indent + 4)}," for v in value]
        return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"
    items = [f"{pad}{k!r}: {_format(v, registry, indent + 4)}," for k, v in value.items()]
    return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"


def _packed(items: list[str], pad: str) -> list[str]:
    """Short items several to a line, as a person would lay out a list of column names."""
    lines: list[str] = []
    current = ""
    for item in items:
        candidate = f"{current} {item}," if current else f"{pad}{item},"
        if current and len(candidate) > LINE_LIMIT:
            lines.append(current)
            candidate = f"{pad}{item},"
        current = candidate
    if current:
        lines.append(current)
    return lines


def _value(value: Any, registry: ToolRegistry) -> str:
    """A plan value as one line of Python source; ``{"$ref": id}`` becomes the variable."""
    if isinstance(value, dict) and "$ref" in value:
        var = _variable_name(str(value["$ref"]), registry)
        key = value.get("key")
        return var if key is None else f"{var}[{key!r}]"
    if isinstance(value, dict):
        items = ", ".join(f"{k!r}: {_value(v, registry)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v, registry) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"plan argument {value!r} is not a finite number")
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise ValueError(f"plan argument {value!r} is not a JSON value")


def _one_line(text: str) -> str:
    """Text on one line, safe inside the script's docstring."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"""', "'''")


def _python_string_body(text: str) -> str:
    """Text safe inside a double-quoted Python string."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')
