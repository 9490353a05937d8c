"""The tool registry: every tool a plan may call, with its typed schema, version and side effects.

A tool is a plain typed function decorated with ``@tool``; its JSON Schema is derived from the
signature, never written twice. Built-in families register exactly as a third-party pack would
(through the ``meta_agent.tools`` entry-point group). Tool modules import pandas and friends inside
their functions, so listing the registry stays fast.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import inspect
import logging
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args, get_origin

from meta_agent.errors import UnknownTool

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "meta_agent.tools"
SIDE_EFFECTS = frozenset({"reads_database", "writes_files", "uses_network"})
CATEGORIES = (
    "database",
    "calculation",
    "data",
    "analysis",
    "reporting",
    "external",
    "validation",
)
BUILTIN_MODULES = (
    "meta_agent.tool_library.database_tools",
    "meta_agent.tool_library.calculation_tools",
    "meta_agent.tool_library.data_tools",
    "meta_agent.tool_library.analysis_tools",
    "meta_agent.tool_library.chart_tools",
    "meta_agent.tool_library.report_tools",
    "meta_agent.tool_library.external_tools",
    "meta_agent.tool_library.validation_tools",
)

F = TypeVar("F", bound=Callable[..., Any])


MetricUnit = Literal["multiple", "fraction", "usd", "count", "year"]
INTENTS = frozenset(
    {
        "metrics",
        "ranking",
        "aggregation",
        "count",
        "scenario",
        "comparison",
        "trend",
        "outliers",
        "correlation",
        "report",
        "loans",
    }
)


@dataclass(frozen=True)
class DeclaredMetric:
    """A metric a tool adds to the metrics table, askable by the words in ``synonyms``.

    A tool declaring metrics takes the metrics table as ``data`` and returns it with a column
    named ``name`` added; the planner calls it after fetching the metrics whenever a request
    names the metric, so a plug-in's metric can be asked for, filtered, ranked and exported.
    """

    name: str
    label: str
    unit: MetricUnit = "count"
    synonyms: tuple[str, ...] = ()
    higher_is_better: bool | None = True


@dataclass(frozen=True)
class ToolSpec:
    """What ``@tool`` records on a function before any registry sees it."""

    category: str
    version: str
    side_effects: frozenset[str]
    name: str | None = None
    metrics: tuple[DeclaredMetric, ...] = ()
    intents: frozenset[str] = frozenset()
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tool:
    """A registered tool: the function and everything a planner or validator needs to know.

    The JSON Schemas are derived on first use: listing tools needs only names and descriptions,
    and resolving every annotation of every tool is most of the cost of building the registry.
    """

    name: str
    category: str
    version: str
    description: str
    function: Callable[..., Any] = field(repr=False, compare=False)
    module: str
    side_effects: frozenset[str]
    metrics: tuple[DeclaredMetric, ...] = ()  # metrics it adds to the metrics table
    intents: frozenset[str] = frozenset()  # the analyses it answers
    columns: tuple[str, ...] = ()  # the columns of its result

    @functools.cached_property
    def parameters(self) -> dict[str, Any]:
        """JSON Schema of the arguments (an object with one property per parameter)."""
        return _schemas(self.function)[0]

    @functools.cached_property
    def returns(self) -> dict[str, Any]:
        """JSON Schema of the result."""
        return _schemas(self.function)[1]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form listed by ``meta-agent tools --json``."""
        return {
            "name": self.name,
            "category": self.category,
            "version": self.version,
            "description": self.description,
            "module": self.module,
            "parameters": self.parameters,
            "returns": self.returns,
            "side_effects": sorted(self.side_effects),
            "answers": {
                "metrics": [m.name for m in self.metrics],
                "intents": sorted(self.intents),
                "columns": list(self.columns),
            },
        }

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


def tool(
    category: str,
    version: str = "1.0.0",
    side_effects: Iterable[str] = (),
    name: str | None = None,
    metrics: Iterable[DeclaredMetric] = (),
    intents: Iterable[str] = (),
    columns: Iterable[str] = (),
) -> Callable[[F], F]:
    """Mark a function as a tool; the registry derives its schema when it registers it.

    ``metrics``, ``intents`` and ``columns`` declare what the tool answers: metrics it adds to
    the metrics table (askable by name, see DeclaredMetric), the analyses it serves, the columns
    of its result. The planner reads them from the registry.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown tool category {category!r}; expected one of {CATEGORIES}")
    effects = frozenset(side_effects)
    if not effects <= SIDE_EFFECTS:
        raise ValueError(f"unknown side effects {sorted(effects - SIDE_EFFECTS)}")
    served = frozenset(intents)
    if not served <= INTENTS:
        raise ValueError(f"unknown intents {sorted(served - INTENTS)}; expected {sorted(INTENTS)}")
    spec = ToolSpec(category, version, effects, name, tuple(metrics), served, tuple(columns))

    def mark(function: F) -> F:
        function.__meta_agent_tool__ = spec  # type: ignore[attr-defined]
        return function

    return mark


class ToolRegistry:
    """An explicit registry of tools, looked up by name."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def register(self, function: Callable[..., Any]) -> Tool:
        """Register a ``@tool`` function (or an already built ``Tool``)."""
        built = function if isinstance(function, Tool) else build_tool(function)
        existing = self._tools.get(built.name)
        if existing is not None and existing.function is not built.function:
            raise ValueError(f"a tool named {built.name!r} is already registered")
        self._tools[built.name] = built
        return built

    def register_module(self, module: types.ModuleType) -> list[Tool]:
        """Register every ``@tool`` function defined in a module, in source order."""
        found = [
            value
            for value in vars(module).values()
            if callable(value)
            and hasattr(value, "__meta_agent_tool__")
            and getattr(value, "__module__", None) == module.__name__
        ]
        found.sort(key=lambda fn: fn.__code__.co_firstlineno)
        return [self.register(fn) for fn in found]

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            from difflib import get_close_matches

            raise UnknownTool(name, get_close_matches(name, self._tools, n=3)) from None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def names(self) -> list[str]:
        return list(self._tools)

    def tools(self) -> list[Tool]:
        return list(self._tools.values())

    def declared_metrics(self) -> dict[str, tuple[Tool, DeclaredMetric]]:
        """Metrics tools add to the metrics table, by name (a plug-in's become askable)."""
        found: dict[str, tuple[Tool, DeclaredMetric]] = {}
        for built in self._tools.values():
            for metric in built.metrics:
                found.setdefault(metric.name, (built, metric))
        return found

    def serving(self, intent: str) -> list[Tool]:
        """The tools that declare they answer an analysis of this intent."""
        return [t for t in self._tools.values() if intent in t.intents]

    def modules(self) -> set[str]:
        """The modules tools live in: the only tool imports a script may make."""
        return {t.module for t in self._tools.values()}

    def load_builtins(self) -> None:
        for module_name in BUILTIN_MODULES:
            self.register_module(importlib.import_module(module_name))

    def load_entry_points(self) -> None:
        """Register third-party tools: each entry point names a module or a ``@tool`` function."""
        if not plugins_may_exist():
            return
        from importlib.metadata import entry_points

        for entry in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = entry.load()
            except Exception:  # a broken plug-in must not take the built-ins down with it
                logger.warning("tool plug-in failed to load", extra={"entry_point": entry.name})
                continue
            if isinstance(loaded, types.ModuleType):
                self.register_module(loaded)
            else:
                self.register(loaded)


def plugins_may_exist() -> bool:
    """False only when no installed distribution can declare a tool plug-in.

    A quick scan of the ``entry_points.txt`` files on sys.path for the group's name; importing
    importlib.metadata and reading every distribution would cost ~50 ms of each command. Any
    place this scan cannot read (a zip on the path, a custom distribution finder) counts as "may".
    """
    import os
    import sys
    from importlib.machinery import PathFinder

    finders = [f for f in sys.meta_path if hasattr(f, "find_distributions")]
    if any(finder is not PathFinder for finder in finders):
        return True
    for entry in sys.path:
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return True  # a zip or an egg file
            continue
        try:
            with os.scandir(folder) as found:
                metadata = [e.path for e in found if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            return True
        for info in metadata:
            try:
                with open(os.path.join(info, "entry_points.txt"), "rb") as handle:
                    if ENTRY_POINT_GROUP.encode() in handle.read():
                        return True
            except FileNotFoundError:
                continue
            except OSError:
                return True
    return False


_default: ToolRegistry | None = None
_default_with_plugins: bool | None = None


def default_registry(load_plugins: bool = True) -> ToolRegistry:
    """The process-wide registry of built-in (and, unless turned off, plug-in) tools."""
    global _default, _default_with_plugins
    if _default is None or _default_with_plugins != load_plugins:
        registry = ToolRegistry()
        registry.load_builtins()
        if load_plugins:
            registry.load_entry_points()
        _default, _default_with_plugins = registry, load_plugins
    return _default


# --- schema derivation -------------------------------------------------------------------------


class _Table:
    """Stands for pandas.DataFrame when annotations are resolved without importing pandas."""


class _Series:
    """Stands for pandas.Series."""


class _Array:
    """Stands for numpy.ndarray."""


_LAZY_NAMESPACE: dict[str, Any] = {
    "pd": types.SimpleNamespace(DataFrame=_Table, Series=_Series),
    "np": types.SimpleNamespace(ndarray=_Array, floating=float, integer=int),
    "DataFrame": _Table,
    "Series": _Series,
    "NDArray": _Array,
}

_TABLE_SCHEMA = {
    "type": "array",
    "items": {"type": "object"},
    "description": "a table (pandas DataFrame): one object per row",
    "x-python-type": "pandas.DataFrame",
}


def build_tool(function: Callable[..., Any]) -> Tool:
    """Build a ``Tool`` from a ``@tool`` function: name and text now, schemas when first asked."""
    spec: ToolSpec | None = getattr(function, "__meta_agent_tool__", None)
    if spec is None:
        raise TypeError(f"{function!r} is not decorated with @tool")
    signature = inspect.signature(function, eval_str=False)
    annotations = function.__annotations__
    for pname, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"tool {function.__name__} may not take *args or **kwargs")
        if pname not in annotations:
            raise TypeError(f"tool {function.__name__}: parameter {pname!r} has no type annotation")
    if "return" not in annotations:
        raise TypeError(f"tool {function.__name__} has no return annotation")
    description = (inspect.getdoc(function) or "").strip().splitlines()
    if not description:
        raise TypeError(f"tool {function.__name__} has no docstring")
    return Tool(
        name=spec.name or function.__name__,
        category=spec.category,
        version=spec.version,
        description=description[0],
        function=function,
        module=function.__module__,
        side_effects=spec.side_effects,
        metrics=spec.metrics,
        intents=spec.intents,
        columns=spec.columns,
    )


def _schemas(function: Callable[..., Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(parameters, returns) JSON Schemas from the function's resolved type hints."""
    hints = typing.get_type_hints(
        function, globalns={**function.__globals__, **_LAZY_NAMESPACE}, include_extras=False
    )
    properties: dict[str, Any] = {}
    required: list[str] = []
    param_docs = _parameter_docs(function.__doc__ or "")
    for pname, param in inspect.signature(function).parameters.items():
        schema = json_schema(hints[pname])
        if pname in param_docs:
            schema = {**schema, "description": param_docs[pname]}
        if param.default is inspect.Parameter.empty:
            required.append(pname)
        else:
            schema = {**schema, "default": _jsonable_default(param.default)}
        properties[pname] = schema
    parameters = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    return parameters, json_schema(hints["return"])


def json_schema(annotation: Any) -> dict[str, Any]:
    """JSON Schema for a type annotation (the subset tools use)."""
    if annotation is Any:
        return {}
    if annotation is type(None) or annotation is None:
        return {"type": "null"}
    if annotation is _Table:
        return dict(_TABLE_SCHEMA)
    if annotation is _Series or annotation is _Array:
        return {"type": "array", "items": {"type": "number"}}
    simple = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if annotation in simple:
        return {"type": simple[annotation]}
    if annotation is dt.date:
        return {"type": "string", "format": "date"}
    if annotation is dt.datetime:
        return {"type": "string", "format": "date-time"}
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [json_schema(arg) for arg in args]
        return {"anyOf": options}
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (list, Sequence, tuple, set, frozenset, Iterable) or annotation in (list, tuple):
        if origin is tuple and args and args[-1] is not Ellipsis:
            return {"type": "array", "prefixItems": [json_schema(a) for a in args]}
        return {"type": "array", "items": json_schema(args[0]) if args else {}}
    if origin in (dict, Mapping) or annotation is dict:
        schema: dict[str, Any] = {"type": "object"}
        if len(args) == 2 and args[1] is not Any:
            schema["additionalProperties"] = json_schema(args[1])
        return schema
    if isinstance(annotation, type):
        return {
            "type": "object",
            "x-python-type": f"{annotation.__module__}.{annotation.__qualname__}",
        }
    raise TypeError(f"cannot derive a JSON schema for {annotation!r}")


def _jsonable_default(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable_default(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable_default(v) for k, v in value.items()}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return repr(value)


def _parameter_docs(doc: str) -> dict[str, str]:
    """Parameter descriptions from a Google-style ``Args:`` section."""
    found: dict[str, str] = {}
    in_args = False
    current: str | None = None
    for raw in inspect.cleandoc(doc).splitlines():
        line = raw.rstrip()
        if line.strip() in ("Args:", "Arguments:", "Parameters:"):
            in_args = True
            continue
        if in_args:
            if line and not line.startswith(" "):
                break
            stripped = line.strip()
            if ":" in stripped and raw.startswith("    ") and not raw.startswith("        "):
                current, text = stripped.split(":", 1)
                current = current.split("(")[0].strip()
                found[current] = text.strip()
            elif current and stripped:
                found[current] += " " + stripped
    return found
