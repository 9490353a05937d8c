"""Static checks every script passes before anything runs, generated or brought by a user.

``ScriptValidator(registry).validate(source)`` returns every finding, each with its line and rule;
``check(source)`` raises ``ScriptRejected`` carrying them. The rules:

- ``syntax``: the source parses (and declares no encoding other than UTF-8, which would change
  what runs from what was checked).
- ``import``: registered tools (``from <tool module> import <tool>``), the standard-library modules
  of ``policy.ALLOWED_MODULES`` (``import X [as Y]``, ``from X import name``), the error classes of
  ``meta_agent.errors``, and ``from __future__ import annotations``. Nothing else: no relative or
  star imports, no rebinding an imported name.
- ``call``: calls name a function (a builtin, an imported function, a tool, a function the script
  defines); ``eval``, ``exec``, ``open``, ``getattr`` with a computed name and the rest of
  ``policy.DANGEROUS_BUILTINS`` are refused even when only named; no ``**kwargs`` unpacking and no
  file or stream keywords (``print(file=...)``) outside tool calls.
- ``attribute``: no dunder or private attribute anywhere; module attributes from the module's list;
  attributes on values from ``policy.VALUE_ATTRIBUTES`` only; no assigning to attributes.
- ``builtin``: names are defined by the script or are allowed builtins; nothing shadows a builtin;
  ``__name__`` only in ``if __name__ == "__main__":``.
- ``tool``: tools are only called, never rebound or passed as values; arguments bind to the
  signature, and literal arguments fit the tool's JSON Schema.
- ``sql``: SQL given to database tools is one string literal that ``portfolio.sqlguard`` (the
  guard the tools run too) accepts, in the dialect of the database the script runs on.
- ``output``: file names given to tools are string literals that ``outputs.SAFE_NAME`` accepts.
- ``secret``: no hard-coded credentials (detect-secrets' plugins, bandit's B105/B106/B107, and
  URLs with a password). ``# nosec`` and ``pragma: allowlist secret`` comments are ignored: the
  script is untrusted, so it does not get to silence its own checks.
- ``construct``: every node type is on ``policy.ALLOWED_NODES`` (no classes, decorators, async,
  with, del, global, walrus, yield, match); lambdas only as plain call arguments.

The policy itself, with the reason for every list, is in ``meta_agent.scripts.policy``. This is a
static filter in front of the sandbox, not a replacement for it: it does not bound CPU, memory or
output, and it trusts the registered tools to check their own arguments at run time. It checks
the text it is given: the runtime must run exactly that text, as UTF-8.

Cost: a typical generated script (50-60 lines) takes about 3 ms without bandit and about 6 ms
with it on an idle core; bandit (``thorough``) is the expensive part, so callers may turn it off
for scripts our own generator wrote and keep it for scripts users bring.
"""

from __future__ import annotations

import ast
import builtins
import codecs
import inspect
import re
import warnings

from meta_agent import errors
from meta_agent.errors import Finding, ScriptRejected
from meta_agent.portfolio import sqlguard
from meta_agent.scripts import policy
from meta_agent.tool_library.outputs import SAFE_NAME
from meta_agent.tool_library.tool_registry import Tool, ToolRegistry, default_registry

__all__ = ["RULES", "ScriptValidator"]

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
)

_BUILTIN_NAMES = frozenset(dir(builtins))
_ERROR_CLASSES = frozenset(
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.MetaAgentError)
)
# PEP 263: an encoding declaration in the first two lines.
_CODING = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
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
        registry: the tools scripts may call (``default_registry()`` when None).
        sql_dialect: the dialect SQL given to tools is judged in (``sqlite`` or ``postgres``):
            the database the script will run on; the database in force (Settings) when None.
        thorough: also run bandit's hard-coded password tests (B105-B107) on top of
            detect-secrets; about 3 ms more per typical script. ``validate`` and ``check``
            can override it per call.
    """

    def __init__(
        self,
        registry: ToolRegistry | None = None,
        *,
        thorough: bool = True,
        sql_dialect: str | None = None,
    ) -> None:
        self.registry = registry if registry is not None else default_registry()
        self.thorough = thorough
        self._sql_dialect = sql_dialect
        self._tools_by_module: dict[str, dict[str, Tool]] = {}
        for registered in self.registry.tools():
            attribute = getattr(registered.function, "__name__", registered.name)
            self._tools_by_module.setdefault(registered.module, {})[attribute] = registered
        self._signatures: dict[str, inspect.Signature] = {}

    def validate(self, source: str, *, thorough: bool | None = None) -> list[Finding]:
        """Every finding in ``source``, sorted by line; an empty list means it may run.

        ``thorough`` overrides the validator's setting for this call (bandit on or off).
        """
        if len(source) > policy.MAX_SOURCE_CHARS:
            return [
                Finding(
                    1,
                    "construct",
                    f"the script is longer than {policy.MAX_SOURCE_CHARS} "
                    "characters; generated scripts are far shorter",
                )
            ]
        coding = _encoding_problem(source)
        if coding:
            return [coding]
        try:
            with warnings.catch_warnings():
                # Invalid escapes in the script's strings are its business, not ours to print.
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
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
        findings.extend(
            policy.secret_findings(
                source,
                checker.strings,
                thorough=self.thorough if thorough is None else thorough,
            )
        )
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


def _encoding_problem(source: str) -> Finding | None:
    for line_number, line in enumerate(source.lstrip("\ufeff").splitlines()[:2], start=1):
        match = _CODING.match(line)
        if not match:
            continue
        try:
            name = codecs.lookup(match.group(1)).name
        except LookupError:
            name = match.group(1)
        if name != "utf-8":
            return Finding(
                line_number,
                "syntax",
                f"the script declares the encoding {name!r}; "
                "scripts are UTF-8, and another encoding changes what runs",
            )
    return None


class _Checker(ast.NodeVisitor):
    """One walk over one script's tree; findings go to the list it is given."""

    def __init__(self, validator: ScriptValidator, findings: list[Finding]) -> None:
        self.validator = validator
        self.findings = findings
        self.modules: dict[str, str] = {}  # alias -> allowed standard-library module
        self.tools: dict[str, Tool] = {}  # alias -> registered tool
        self.imported: set[str] = set()  # allowed names from ``from X import name``
        self.rejected: set[str] = set()  # names bound by refused imports (already reported)
        self.functions: set[str] = set()  # functions the script defines
        self.bound: set[str] = set()  # every name the script binds, anywhere
        self.lambdas: set[int] = set()  # ids of lambdas that are plain call arguments
        self.main_guard: set[int] = set()  # id of the ``__name__`` in ``if __name__ == ...``
        self.strings: list[tuple[int, str]] = []  # (line, value) of strings spanning lines
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
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and (node.end_lineno or node.lineno) > node.lineno
            ):
                self.strings.append((node.lineno, node.value))
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
                "(meta_agent.scripts.policy.ALLOWED_BUILTINS)",
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
        func = node.func
        is_logging_config = (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and self.modules.get(func.value.id) == "logging"
            and func.attr == "basicConfig"
        )
        if is_logging_config and node.args:
            self.report(node, "call", "logging.basicConfig takes keywords only (level, format)")
        for keyword in node.keywords:
            if keyword.arg is None:
                self.report(node, "call", "**mapping arguments are not allowed; name each keyword")
            elif is_logging_config and keyword.arg not in policy.LOGGING_CONFIG_KEYWORDS:
                self.report(
                    node,
                    "call",
                    f"logging.basicConfig({keyword.arg}=...) is not allowed;"
                    f" only {', '.join(sorted(policy.LOGGING_CONFIG_KEYWORDS))}: the "
                    "runtime captures the log",
                )
            elif not is_logging_config and keyword.arg in policy.FILE_KEYWORDS:
                self.report(
                    node,
                    "call",
                    f"the keyword {keyword.arg}= hands a file or stream to "
                    "a call; write files with the export tools",
                )


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
            queries = [
                value
                for key, value in zip(element.keys, element.values, strict=True)
                if isinstance(key, ast.Constant) and key.value == "query"
            ]
            if not queries:
                self.report("sql", 'a query dict has no literal "query" key', element)
            for query in queries:
                self.sql(query)


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
    return "it is not on the allow-list of attributes (meta_agent.scripts.policy.VALUE_ATTRIBUTES)"


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
