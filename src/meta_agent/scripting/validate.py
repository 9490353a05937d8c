"""Static checks every script passes before anything runs, generated or brought by a user.

``ScriptValidator(registry).validate(source)`` returns every finding, each with its line and rule;
``check(source)`` raises ``ScriptRejected`` carrying them. The rules:

- ``syntax``: the source parses, as the UTF-8 bytes the sandbox will run: no encoding
  declaration other than UTF-8 where Python or any other reader of the first two lines could
  find one (``decode_script`` turns a file's bytes into the one text that is checked and run).
- ``import``: registered tools (``from <tool module> import <tool>``), the standard-library modules
  of ``policy.ALLOWED_MODULES`` (``import X [as Y]``, ``from X import name``), the error classes of
  ``meta_agent.errors``, and ``from __future__ import annotations``. Nothing else: no relative or
  star imports, no rebinding an imported name.
- ``call``: calls name a function (a builtin, an imported function, a tool, a function the script
  defines); ``eval``, ``exec``, ``open``, ``getattr`` with a computed name and the rest of
  ``policy.DANGEROUS_BUILTINS`` are refused even when only named; no ``**kwargs`` unpacking and no
  file, stream or style keywords (``print(file=...)``) outside tool calls. Calls are judged by
  what they resolve to (``from logging import basicConfig as b`` is ``logging.basicConfig``):
  ``policy.CALL_ONLY`` callables are only called directly, never passed or stored, and
  ``logging.basicConfig`` only in its one harmless form (``policy.LOGGING_CONFIG_KEYWORDS``, a
  literal %-style format of log record fields).
- ``attribute``: no dunder or private attribute anywhere; module attributes from the module's list;
  attributes on values from ``policy.VALUE_ATTRIBUTES`` only; no assigning to attributes.
- ``builtin``: names are defined by the script or are allowed builtins; nothing shadows a builtin;
  ``__name__`` only in ``if __name__ == "__main__":``.
- ``tool``: tools are only called, never rebound or passed as values; arguments bind to the
  signature, and literal arguments fit the tool's JSON Schema.
- ``sql``: SQL given to database tools is one string literal that ``portfolio.sqlguard`` (the
  guard the tools run too) accepts, in the dialect of the database the script runs on;
  ``batch_query`` takes a list literal of dict literals whose keys are the literals ``"query"``
  and ``"params"``, so no SQL is built or chosen at run time.
- ``output``: file names given to tools are string literals that ``outputs.SAFE_NAME`` accepts.
- ``secret``: no hard-coded credentials (``meta_agent.scripting.secret_scan``: every string
  constant on its own and in its context, every line by detect-secrets' formats and plugins).
  ``# nosec`` and ``pragma: allowlist secret`` comments are ignored: the script is untrusted,
  so it does not get to silence its own checks.
- ``construct``: every node type is on ``policy.ALLOWED_NODES`` (no classes, decorators, async,
  with, del, global, walrus, yield, match); lambdas only as plain call arguments.
- ``internal``: a check failed with an error of its own; the script is refused, never passed.

The policy itself, with the reason for every list, is in ``meta_agent.scripting.policy``. This is a
static filter in front of the sandbox, not a replacement for it: it does not bound CPU, memory or
output, and it trusts the registered tools to check their own arguments at run time. It checks
the text it is given: the runtime must run exactly that text, encoded as UTF-8 (what
``ScriptValidator.validate`` parses is those bytes, decoded as Python decodes a file).

Cost (``bench/bench_validate.py``): a few milliseconds for a typical generated script, in a warm
process or a fresh one; detect-secrets is imported only for a script with a line it could report.
"""

from __future__ import annotations

import ast
import builtins
import codecs
import inspect
import io
import re
import tokenize
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from meta_agent import errors
from meta_agent.errors import Finding, ScriptRejected
from meta_agent.portfolio import sqlguard
from meta_agent.scripting import policy
from meta_agent.scripting.source import decode_script
from meta_agent.tool_library.outputs import SAFE_NAME

if TYPE_CHECKING:
    from meta_agent.tool_library.tool_registry import Tool, ToolRegistry

__all__ = ["RULES", "ScriptValidator", "decode_script"]

# The rule ids findings use.
RULES = (
    "syntax",
    "import",
    "call",
    "attribute",
    "builtin",
    "tool",
    "sql",
    "secret",
    "output",
    "construct",
    "internal",
)

_BUILTIN_NAMES = frozenset(dir(builtins))
_ERROR_CLASSES = frozenset(
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.MetaAgentError)
)
# PEP 263's declaration, searched for anywhere in the first two lines (not only in a comment at
# the start of one): stricter than Python, so no reader's notion of a line can hide one.
_CODING = re.compile(r"coding[:=][ \t]*([-\w.]+)")
_UTF8_NAMES = frozenset({"utf-8", "utf-8-sig"})
_CONSTRUCT_MESSAGES: dict[type[ast.AST], str] = {
    ast.ClassDef: "class definitions are not allowed: scripts call tools and need no classes",
    ast.AsyncFunctionDef: "async code is not allowed",
    ast.AsyncFor: "async code is not allowed",
    ast.AsyncWith: "async code is not allowed",
    ast.Await: "async code is not allowed",
    ast.With: "with statements are not allowed: scripts need no files or contexts",
    ast.Delete: "del is not allowed",
    ast.Global: "global is not allowed; pass values as arguments",
    ast.Nonlocal: "nonlocal is not allowed; pass values as arguments",
    ast.NamedExpr: "the walrus operator (:=) is not allowed; assign on a line of its own",
    ast.Yield: "generators (yield) are not allowed",
    ast.YieldFrom: "generators (yield from) are not allowed",
    ast.Match: "match statements are not allowed; use if/elif",
    ast.TryStar: "except* is not allowed",
}


class ScriptValidator:
    """Checks a script against the policy before it runs; see the module docstring for the rules.

    Args:
        registry: the tools scripts may call (``default_registry()`` when None), or a function
            that returns them, called when a script first imports from a module: a script that
            imports nothing that way is judged without loading the tool library at all.
        sql_dialect: the dialect SQL given to tools is judged in (``sqlite`` or ``postgres``):
            the database the script will run on; the database in force (Settings) when None.
        thorough: kept for callers written when bandit's password tests were optional; every
            check now always runs (their B105-B107 are AST checks of ``secret_scan``), so it
            changes nothing and no caller can weaken the validator with it.
    """

    def __init__(
        self,
        registry: ToolRegistry | Callable[[], ToolRegistry] | None = None,
        *,
        thorough: bool = True,
        sql_dialect: str | None = None,
    ) -> None:
        if registry is None:
            from meta_agent.tool_library.tool_registry import default_registry

            registry = default_registry()
        self._registry = registry
        self.thorough = thorough
        self._sql_dialect = sql_dialect
        self._tools_by_module: dict[str, dict[str, Tool]] | None = None
        self._signatures: dict[str, inspect.Signature] = {}

    @property
    def registry(self) -> ToolRegistry:
        """The tools scripts may call (loaded now if a function to load them was given)."""
        if callable(self._registry):  # a function to load them (a registry is not callable)
            self._registry = self._registry()
        return self._registry

    def validate(self, source: str, *, thorough: bool | None = None) -> list[Finding]:
        """Every finding in ``source``, sorted by line; an empty list means it may run.

        ``source`` is checked as the UTF-8 bytes the sandbox will run: the runtime must be handed
        ``source.encode("utf-8")`` (``decode_script`` gives the text of a file). ``thorough`` is
        accepted for compatibility; every check always runs. A check that fails with an error of
        its own is a finding (rule ``internal``): the validator fails closed.
        """
        del thorough
        if len(source) > policy.MAX_SOURCE_CHARS:
            return [
                Finding(
                    1,
                    "construct",
                    f"the script is longer than {policy.MAX_SOURCE_CHARS} "
                    "characters; generated scripts are far shorter",
                )
            ]
        try:
            return self._validate(source)
        except Exception as exc:  # noqa: BLE001 - any failure of a check refuses the script
            return [_internal(exc)]

    def _validate(self, source: str) -> list[Finding]:
        try:
            data = source.encode("utf-8")
        except UnicodeEncodeError as exc:
            return [Finding(1, "syntax", f"the script is not valid Unicode text: {exc.reason}")]
        coding = _encoding_problem(source, data)
        if coding:
            return [coding]
        try:
            with warnings.catch_warnings():
                # Invalid escapes in the script's strings are its business, not ours to print.
                warnings.simplefilter("ignore")
                # The bytes, as ``python script.py`` reads them; not a str, whose declaration
                # Python would ignore.
                tree = ast.parse(data)
        except SyntaxError as exc:
            return [Finding(exc.lineno or 1, "syntax", f"the script does not parse: {exc.msg}")]
        except (ValueError, RecursionError, MemoryError) as exc:
            return [Finding(1, "syntax", f"the script does not parse: {exc}")]
        findings: list[Finding] = []
        checker = _Checker(self, findings)
        try:
            checker.run(tree)
        except RecursionError:
            findings.append(Finding(1, "construct", "the script is nested too deeply to check"))
        except Exception as exc:  # noqa: BLE001 - fail closed, keep the other checks' findings
            findings.append(_internal(exc))
        try:
            findings.extend(policy.secret_findings(source, tree))
        except RecursionError:
            findings.append(Finding(1, "construct", "the script is nested too deeply to check"))
        except Exception as exc:  # noqa: BLE001 - fail closed
            findings.append(_internal(exc))
        return sorted(set(findings), key=lambda f: (f.line, f.rule, f.message))

    def check(
        self, source: str, source_name: str = "script", *, thorough: bool | None = None
    ) -> None:
        """Raise ``ScriptRejected`` with every finding unless ``source`` passes."""
        findings = self.validate(source, thorough=thorough)
        if findings:
            raise ScriptRejected(findings, source=source_name)

    def tools_in(self, module: str) -> dict[str, Tool] | None:
        """The tools a module may export to scripts, by attribute name (None: not a tool module)."""
        if self._tools_by_module is None:
            by_module: dict[str, dict[str, Tool]] = {}
            for registered in self.registry.tools():
                attribute = getattr(registered.function, "__name__", registered.name)
                by_module.setdefault(registered.module, {})[attribute] = registered
            self._tools_by_module = by_module
        return self._tools_by_module.get(module)

    @property
    def sql_dialect(self) -> str:
        """The dialect SQL is judged in; the database in force's, looked up on first use."""
        if self._sql_dialect is None:
            self._sql_dialect = sqlguard.dialect_in_force()
        return sqlguard.normalize_dialect(self._sql_dialect)

    def signature(self, registered: Tool) -> inspect.Signature:
        """The tool's signature, cached."""
        if registered.name not in self._signatures:
            self._signatures[registered.name] = inspect.signature(registered.function)
        return self._signatures[registered.name]


def _encoding_problem(source: str, data: bytes) -> Finding | None:
    """Why ``data`` (``source`` as UTF-8) might not run as ``source``, or None.

    Python decodes a file by a declaration in its first two lines (PEP 263, ``\\n`` lines in a
    str, universal newlines in a file). ``tokenize.detect_encoding`` is Python's own reading;
    the search below covers every other notion of a line (``\\r``, form feeds, U+2028...), since
    all of them end no later than the second ``\\n``.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return Finding(1, "syntax", f"the script's encoding declaration is refused: {exc}")
    names = [encoding]
    head = "\n".join(source.split("\n", 2)[:2])
    names += [match.group(1) for match in _CODING.finditer(head)]
    for name in names:
        try:
            normal = codecs.lookup(name).name
        except LookupError:
            normal = name
        if normal not in _UTF8_NAMES:
            return Finding(
                1,
                "syntax",
                f"the script declares the encoding {name!r}; scripts are UTF-8, and another "
                "encoding changes what runs from what was checked",
            )
    return None


def _internal(exc: BaseException) -> Finding:
    return Finding(
        1,
        "internal",
        f"the validator could not finish its checks ({type(exc).__name__}: {exc}); "
        "the script is refused rather than run unchecked",
    )


class _Checker(ast.NodeVisitor):
    """One walk over one script's tree; findings go to the list it is given."""

    def __init__(self, validator: ScriptValidator, findings: list[Finding]) -> None:
        self.validator = validator
        self.findings = findings
        self.modules: dict[str, str] = {}  # alias -> allowed standard-library module
        self.tools: dict[str, Tool] = {}  # alias -> registered tool
        self.imported: set[str] = set()  # allowed names from ``from X import name``
        self.origins: dict[str, str] = {}  # name bound by ``from X import n`` -> "X.n"
        self.called: set[int] = set()  # ids of the nodes that are a call's function
        self.rejected: set[str] = set()  # names bound by refused imports (already reported)
        self.functions: set[str] = set()  # functions the script defines
        self.bound: set[str] = set()  # every name the script binds, anywhere
        self.lambdas: set[int] = set()  # ids of lambdas that are plain call arguments
        self.main_guard: set[int] = set()  # id of the ``__name__`` in ``if __name__ == ...``
        self.line = 1

    def report(self, node: ast.AST | None, rule: str, message: str) -> None:
        line = getattr(node, "lineno", None) or self.line
        self.findings.append(Finding(line, rule, message))

    def run(self, tree: ast.Module) -> None:
        imports: list[ast.Import | ast.ImportFrom] = []
        bindings: list[tuple[str, ast.AST]] = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imports.append(node)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bindings.append((node.id, node))
            elif isinstance(node, ast.FunctionDef):
                self.functions.add(node.name)
                bindings.append((node.name, node))
            elif isinstance(node, ast.arg):
                bindings.append((node.arg, node))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bindings.append((node.name, node))
        for statement in imports:
            self._import(statement)
        self._bindings(imports, bindings)
        for top in tree.body:
            if isinstance(top, ast.If) and _is_main_guard(top.test):
                self.main_guard.add(id(top.test.left))  # type: ignore[attr-defined]
        self.visit(tree)

    # --- imports and names ----------------------------------------------------------------

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                if alias.name in policy.ALLOWED_MODULES:
                    self.modules[bound] = alias.name
                else:
                    self.rejected.add(bound)
                    self.report(node, "import", _module_refusal(alias.name, self.validator))
            return
        module = node.module or ""
        for alias in node.names:
            bound = alias.asname or alias.name
            problem = self._from_import_problem(node, module, alias.name)
            if problem:
                self.rejected.add(bound)
                self.report(node, "import", problem)
                continue
            tools = self.validator.tools_in(module)
            if tools is not None:
                self.tools[bound] = tools[alias.name]
            elif module != "__future__":
                self.imported.add(bound)
                self.origins[bound] = f"{module}.{alias.name}"

    def _from_import_problem(self, node: ast.ImportFrom, module: str, name: str) -> str | None:
        if node.level:
            return "relative imports are not allowed; import tools from their modules"
        if name == "*":
            return f"'from {module} import *' is not allowed; import each name"
        if module == "__future__":
            allowed = name in policy.ALLOWED_FUTURES
            return None if allowed else f"'from __future__ import {name}' is not allowed"
        tools = self.validator.tools_in(module)
        if tools is not None:
            if name in tools:
                return None
            return (
                f"{module} has no registered tool named {name!r}; scripts may import only "
                f"its tools: {', '.join(sorted(tools))}"
            )
        if module in policy.ALLOWED_MODULES:
            if name in policy.ALLOWED_MODULES[module]:
                return None
            return (
                f"'{name}' may not be imported from {module}; allowed: "
                f"{', '.join(sorted(policy.ALLOWED_MODULES[module]))}"
            )
        if module == policy.ERROR_MODULE and name in _ERROR_CLASSES:
            return None
        return _module_refusal(module, self.validator)

    def _bindings(
        self, statements: list[ast.Import | ast.ImportFrom], others: list[tuple[str, ast.AST]]
    ) -> None:
        imports: dict[str, str] = {}  # bound name -> what it was first imported as
        for statement in statements:
            for alias in statement.names:
                target = f"{getattr(statement, 'module', '')}:{alias.name}"
                bound = alias.asname or alias.name.split(".")[0]
                if imports.setdefault(bound, target) != target:
                    self.report(statement, "import", f"{bound!r} is imported as different things")
                self._check_name_binding(bound, statement)
        self.bound = set(imports) | {name for name, _ in others}
        for name, node in others:
            if name in self.tools:
                self.report(
                    node,
                    "tool",
                    f"the tool {name} is rebound; tool names may only be "
                    "called, so a plan's call always reaches the registered tool",
                )
            elif name in imports:
                self.report(node, "import", f"the imported name {name} is rebound")
            self._check_name_binding(name, node)

    def resolve(self, node: ast.expr) -> str | None:
        """What ``node`` names, spelling aside: ``"logging.basicConfig"`` for ``L.basicConfig``
        after ``import logging as L`` and for ``b`` after ``from logging import basicConfig as
        b``; None for anything that is not an allowed module or one of its names."""
        if isinstance(node, ast.Name):
            return self.origins.get(node.id) or self.modules.get(node.id)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.modules
        ):
            return f"{self.modules[node.value.id]}.{node.attr}"
        return None

    def _call_only(self, node: ast.expr) -> None:
        """Refuse a ``policy.CALL_ONLY`` callable anywhere but as the function of a call."""
        resolved = self.resolve(node)
        if resolved in policy.CALL_ONLY and id(node) not in self.called:
            self.report(
                node,
                "call",
                f"{resolved} may only be called directly, never stored or passed on "
                f"({policy.CALL_ONLY[resolved]})",
            )

    def _check_name_binding(self, name: str, node: ast.AST) -> None:
        if name.startswith("__"):
            self.report(
                node,
                "builtin",
                f"the name {name} may not be bound: dunder names belong to the interpreter",
            )
        elif name in _BUILTIN_NAMES:
            self.report(
                node,
                "builtin",
                f"the name {name} shadows the builtin of that name; choose another name",
            )

    # --- the walk -------------------------------------------------------------------------

    def visit(self, node: ast.AST) -> None:
        self.line = getattr(node, "lineno", None) or self.line
        kind = type(node)
        if kind not in policy.ALLOWED_NODES and isinstance(node, (ast.stmt, ast.expr)):
            message = _CONSTRUCT_MESSAGES.get(kind, f"{kind.__name__} is not allowed in scripts")
            self.report(node, "construct", message)
        super().visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        pass  # checked in run()

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        pass  # checked in run()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for decorator in node.decorator_list:
            self.report(decorator, "construct", "decorators are not allowed")
        self.generic_visit(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        if id(node) not in self.lambdas:
            self.report(
                node,
                "construct",
                "a lambda is only allowed as an argument of a call "
                "(sorted(rows, key=lambda row: row['dscr']))",
            )
        arguments = node.args
        if (
            arguments.defaults
            or arguments.kw_defaults
            or arguments.vararg
            or arguments.kwarg
            or arguments.posonlyargs
            or arguments.kwonlyargs
        ):
            self.report(node, "construct", "a lambda may only take plain parameters")
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if node.is_async:
            self.report(None, "construct", "async comprehensions are not allowed")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load) or id(node) in self.main_guard:
            return
        name = node.id
        self._call_only(node)
        if name in self.tools:
            self.report(
                node,
                "tool",
                f"the tool {name} is used as a value; tools may only be called ({name}(...))",
            )
        elif name in self.modules:
            self.report(
                node,
                "import",
                f"the module {name} is used as a value; use {name}.<name> with an allowed name",
            )
        elif name in self.bound:
            return
        elif name == "__name__":
            self.report(node, "builtin", '__name__ is only allowed in if __name__ == "__main__":')
        elif name in policy.DANGEROUS_BUILTINS:
            self.report(
                node, "call", f"{name} is not allowed: it {policy.DANGEROUS_BUILTINS[name]}"
            )
        elif name in policy.ALLOWED_BUILTINS:
            return
        elif name.startswith("__"):
            self.report(
                node,
                "builtin",
                f"{name} is not allowed: dunder names reach the interpreter's internals",
            )
        elif name in _BUILTIN_NAMES:
            self.report(
                node,
                "builtin",
                f"the builtin {name} is not on the allow-list "
                "(meta_agent.scripting.policy.ALLOWED_BUILTINS)",
            )
        else:
            self.report(
                node,
                "builtin",
                f"{name} is not defined by the script and is not an allowed builtin",
            )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attribute, base = node.attr, node.value
        if not isinstance(node.ctx, ast.Load):
            self.report(
                node,
                "attribute",
                f"assigning to .{attribute} is not allowed; "
                "build new values instead of changing objects",
            )
        if isinstance(base, ast.Name) and base.id in self.modules:
            module = self.modules[base.id]
            self._call_only(node)
            if attribute not in policy.ALLOWED_MODULES[module]:
                reason = _attribute_problem(attribute) or "it is not on the module's list"
                self.report(
                    node,
                    "attribute",
                    f"{module}.{attribute} is not allowed ({reason}); "
                    f"allowed: {', '.join(sorted(policy.ALLOWED_MODULES[module]))}",
                )
            return
        problem = _attribute_problem(attribute)
        if problem:
            self.report(node, "attribute", f".{attribute} is not allowed: {problem}")
        self.visit(base)

    def visit_Call(self, node: ast.Call) -> None:
        for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
            if isinstance(argument, ast.Lambda):
                self.lambdas.add(id(argument))
        func = node.func
        self.called.add(id(func))
        if isinstance(func, ast.Name) and func.id in self.tools:
            _ToolCall(self, node, self.tools[func.id]).check()
            return
        if (
            isinstance(func, ast.Name)
            and func.id in ("getattr", "hasattr")
            and (func.id not in self.bound)
        ):
            self._getattr(node, func.id)
        elif isinstance(func, ast.Name):
            if func.id in self.bound and func.id not in (
                self.functions | self.imported | self.rejected
            ):
                self.report(
                    node,
                    "call",
                    f"{func.id}(...) calls a variable; only builtins, "
                    "imported functions, tools and functions the script defines are called",
                )
            self.visit(func)
        elif isinstance(func, ast.Attribute):
            self.visit(func)
        else:
            self.report(
                node,
                "call",
                "only named functions may be called, not the result of an "
                f"expression ({type(func).__name__})",
            )
            self.visit(func)
        self._call_keywords(node)
        for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
            self.visit(argument)

    def _getattr(self, node: ast.Call, name: str) -> None:
        arity_ok = len(node.args) == 2 or (name == "getattr" and len(node.args) == 3)
        literal = node.args[1] if arity_ok and not node.keywords else None
        if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
            problem = _attribute_problem(literal.value)
            if problem:
                self.report(
                    node, "call", f"{name}(..., {literal.value!r}) is not allowed: {problem}"
                )
        else:
            self.report(
                node,
                "call",
                f"{name}() is only allowed with a literal attribute name: "
                f"it {policy.DANGEROUS_BUILTINS[name]}",
            )

    def _call_keywords(self, node: ast.Call) -> None:
        is_logging_config = self.resolve(node.func) == "logging.basicConfig"
        if is_logging_config:
            self._logging_config(node)
        for keyword in node.keywords:
            if keyword.arg is None:
                self.report(node, "call", "**mapping arguments are not allowed; name each keyword")
            elif not is_logging_config and keyword.arg in policy.FILE_KEYWORDS:
                self.report(
                    node,
                    "call",
                    f"the keyword {keyword.arg}= hands a file or stream to "
                    "a call; write files with the export tools",
                )
            elif not is_logging_config and keyword.arg in policy.STYLE_KEYWORDS:
                self.report(
                    node,
                    "call",
                    f"the keyword {keyword.arg}= is not allowed: a '{{' or '$' style "
                    "format walks attributes of what it formats",
                )

    def _logging_config(self, node: ast.Call) -> None:
        """``logging.basicConfig`` in its one form: level, a literal %-style format, datefmt."""
        if node.args:
            self.report(node, "call", "logging.basicConfig takes keywords only (level, format)")
        for keyword in node.keywords:
            if keyword.arg is None:
                continue  # reported with the other calls' ** arguments
            if keyword.arg not in policy.LOGGING_CONFIG_KEYWORDS:
                self.report(
                    node,
                    "call",
                    f"logging.basicConfig({keyword.arg}=...) is not allowed;"
                    f" only {', '.join(sorted(policy.LOGGING_CONFIG_KEYWORDS))}: the "
                    "runtime captures the log, and scripts do not configure logging",
                )
                continue
            problem = policy.logging_config_problem(keyword.arg, keyword.value, self.resolve)
            if problem:
                self.report(node, "call", f"logging.basicConfig({keyword.arg}=...): {problem}")


class _ToolCall:
    """The checks on one call of a registered tool: binding, literals, SQL and output names."""

    def __init__(self, checker: _Checker, node: ast.Call, registered: Tool) -> None:
        self.checker = checker
        self.node = node
        self.tool = registered

    def check(self) -> None:
        node, name = self.node, self.tool.name
        for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
            self.checker.visit(argument)
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            self.report(
                "tool",
                f"{name}() is called with *args or **kwargs; name each argument "
                "so that it can be checked",
            )
            return
        signature = self.checker.validator.signature(self.tool)
        try:
            bound = signature.bind(*node.args, **{k.arg: k.value for k in node.keywords if k.arg})
        except TypeError as exc:
            accepted = ", ".join(signature.parameters)
            self.report("tool", f"{name}(): {exc} (it takes: {accepted})")
            return
        for parameter, argument in bound.arguments.items():
            self.argument(parameter, argument, signature.parameters[parameter])

    def report(self, rule: str, message: str, node: ast.AST | None = None) -> None:
        self.checker.report(node or self.node, rule, message)

    def argument(self, parameter: str, node: ast.expr, spec: inspect.Parameter) -> None:
        schema = self.tool.parameters.get("properties", {}).get(parameter, {})
        reads_database = (
            self.tool.category == "database" or "reads_database" in self.tool.side_effects
        )
        if parameter in policy.OUTPUT_PARAMETERS:
            self.output(parameter, node, spec)
            return
        if reads_database and parameter in policy.SQL_PARAMETERS:
            self.sql(node)
        elif reads_database and parameter in policy.SQL_BATCH_PARAMETERS:
            self.sql_batch(node)
        is_literal, value = _literal(node)
        if is_literal:
            problem = policy.schema_problem(value, schema)
            if problem:
                self.report("tool", f"{self.tool.name}({parameter}=...): {problem}", node)

    def output(self, parameter: str, node: ast.expr, spec: inspect.Parameter) -> None:
        if isinstance(node, ast.Constant) and node.value is None and spec.default is None:
            return
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            self.report(
                "output",
                f"{self.tool.name}({parameter}=...) must be a string literal "
                "file name, so that it is checked before the run",
                node,
            )
            return
        value = node.value
        if not SAFE_NAME.match(value) or ".." in value:
            self.report(
                "output",
                f"{self.tool.name}({parameter}={value!r}) is not a plain file "
                "name inside the results folder: use letters, digits, '.', '-' and '_' "
                "(one optional sub-folder), no '..' and no absolute path",
                node,
            )

    def sql(self, node: ast.expr) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            problem = sqlguard.sql_problem(node.value, self.checker.validator.sql_dialect)
            if problem:
                self.report("sql", f"{self.tool.name}(): {problem}", node)
            return
        self.report(
            "sql",
            f"{self.tool.name}() needs its query as one string literal, not "
            f"{_describe_expression(node)}; pass values through params (:name)",
            node,
        )

    def sql_batch(self, node: ast.expr) -> None:
        if not isinstance(node, (ast.List, ast.Tuple)):
            self.report(
                "sql",
                f"{self.tool.name}() needs a list literal of "
                '{"query": "SELECT ...", "params": {...}} dicts',
                node,
            )
            return
        for element in node.elts:
            if not isinstance(element, ast.Dict) or None in element.keys:
                self.report(
                    "sql",
                    f"each query given to {self.tool.name}() must be a dict literal "
                    '{"query": "SELECT ...", "params": {...}}',
                    element,
                )
                continue
            keys = [key.value if isinstance(key, ast.Constant) else None for key in element.keys]
            if any(key not in policy.SQL_BATCH_KEYS for key in keys):
                # A computed key could be "query" at run time and replace the checked one.
                self.report(
                    "sql",
                    f"a query dict given to {self.tool.name}() may only have the literal keys "
                    f"{' and '.join(repr(k) for k in sorted(policy.SQL_BATCH_KEYS))}, so that "
                    "its SQL is the literal that is checked",
                    element,
                )
                continue
            if len(set(keys)) != len(keys):
                self.report("sql", "a query dict repeats a key", element)
                continue
            if "query" not in keys:
                self.report("sql", 'a query dict has no literal "query" key', element)
                continue
            self.sql(element.values[keys.index("query")])


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Eq)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _attribute_problem(attribute: str) -> str | None:
    """Why ``.attribute`` may not be used on a value, or None when it may."""
    if attribute.startswith("__") and attribute.endswith("__"):
        return "dunder attributes reach the interpreter's internals (__class__, __globals__, ...)"
    if attribute.startswith("_"):
        return "private attributes are internals of a library"
    if attribute in policy.DENIED_ATTRIBUTES:
        return f"it {policy.DENIED_ATTRIBUTES[attribute]}"
    if attribute in policy.VALUE_ATTRIBUTES:
        return None
    for prefix, reason in policy.DENIED_ATTRIBUTE_PREFIXES.items():
        if attribute.startswith(prefix):
            return f"it {reason}"
    return (
        "it is not on the allow-list of attributes (meta_agent.scripting.policy.VALUE_ATTRIBUTES)"
    )


def _module_refusal(module: str, validator: ScriptValidator) -> str:
    top = module.split(".")[0]
    if validator.tools_in(module) is not None:
        return f"import tools by name: from {module} import <tool>"
    if top in policy.DENIED_MODULE_REASONS:
        return f"importing {module} is not allowed: it {policy.DENIED_MODULE_REASONS[top]}"
    return (
        f"importing {module} is not allowed; scripts may import registered tools and "
        f"{', '.join(sorted(policy.ALLOWED_MODULES))}"
    )


def _literal(node: ast.expr) -> tuple[bool, object]:
    if not isinstance(node, (ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.UnaryOp)):
        return False, None
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return False, None


def _describe_expression(node: ast.expr) -> str:
    if isinstance(node, ast.JoinedStr):
        return "an f-string"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return "%-formatting"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return "a concatenation"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return f".{node.func.attr}(...)"
    if isinstance(node, ast.Name):
        return f"a variable ({node.id})"
    return "a computed value"
