"""What a script may contain: the allow-lists the validator enforces, and why each holds what it holds.

Scripts are built from tool calls. Everything a script needs beyond them is small: logging, a few
pure standard-library helpers, looking inside results (``len``, subscripts, ``.head()``) and
f-strings. So every list here is an allow-list, and anything not on one is a finding. An allowed
library is a doorway to everything it can reach (``logging.os``, ``statistics.sys``,
``DataFrame.to_csv('/etc/x')``, ``df.query('@__import__(...)')``, a generator's ``gi_frame``), so
module attributes are listed per module and value attributes by name, and nothing is allowed
because of what a library "usually" is.

What this policy does NOT protect against, by design (the sandbox does): CPU and memory exhaustion
(``10 ** 10 ** 10``, ``while True``), very large outputs, and what the tools themselves do with
their arguments. The value allow-list assumes tools return data (tables, dicts, lists, scalars,
strings), never a live handle such as an engine, a session or an open file.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import warnings
from collections.abc import Callable
from typing import Any

from meta_agent.errors import Finding


def _words(text: str) -> frozenset[str]:
    """A set of names written as whitespace-separated words; ``#`` starts a comment."""
    return frozenset(re.sub(r"#[^\n]*", "", text).split())


# --- imports -----------------------------------------------------------------------------------

# Standard-library modules a script may import, each with the only attributes it may use (``import
# X`` then ``X.name``, or ``from X import name``). Explicit names, never ``dir(module)``: modules
# re-export what they import (``logging.os``, ``statistics.sys``, ``json.decoder``).
ALLOWED_MODULES: dict[str, frozenset[str]] = {
    # getLogger and the levels; basicConfig only with the keywords in LOGGING_CONFIG_KEYWORDS.
    # Not FileHandler/handlers/config (write files, open sockets), not currentframe (a frame
    # reaches every global), not Formatter (a "{" format walks attributes of the record).
    "logging": frozenset(
        {"getLogger", "basicConfig", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
    ),
    # Pure functions on numbers.
    "math": _words(
        """
        sqrt exp log log10 log2 log1p pow floor ceil trunc fabs fsum prod isnan isinf isfinite
        isclose copysign hypot pi e inf nan tau
        """
    ),
    "statistics": _words(
        """
        mean fmean median median_low median_high mode multimode stdev pstdev variance pvariance
        quantiles geometric_mean harmonic_mean StatisticsError
        """
    ),
    # Value types only.
    "datetime": frozenset({"date", "datetime", "time", "timedelta", "timezone", "UTC"}),
    "decimal": _words(
        """
        Decimal InvalidOperation ROUND_HALF_UP ROUND_HALF_EVEN ROUND_DOWN ROUND_UP ROUND_FLOOR
        ROUND_CEILING
        """
    ),
    "fractions": frozenset({"Fraction"}),
    # Not namedtuple: it builds a class from a source template.
    "collections": frozenset({"Counter", "defaultdict", "OrderedDict", "deque"}),
    # Finite iterators only (count/cycle/repeat never end; starmap is not needed).
    "itertools": _words(
        """
        chain islice groupby accumulate product combinations permutations zip_longest pairwise
        """
    ),
    "functools": frozenset({"reduce", "partial", "cmp_to_key"}),
    # Not attrgetter/methodcaller/call: they reach attributes and methods by a string name.
    "operator": _words(
        """
        itemgetter add sub mul truediv floordiv mod neg eq ne lt le gt ge getitem
        """
    ),
    "typing": frozenset({"Any", "Optional", "Union"}),
    # Patterns are data; a pathological pattern only costs time, which the sandbox limits.
    "re": _words(
        """
        compile match search fullmatch findall finditer sub split escape IGNORECASE I MULTILINE
        M DOTALL S
        """
    ),
    # Strings in, strings out. Not load/dump (file objects) nor the encoder/decoder classes.
    "json": frozenset({"dumps", "loads", "JSONDecodeError"}),
}

# ``from __future__ import annotations`` is what our generator writes; other futures change the
# language under the validator's feet.
ALLOWED_FUTURES = frozenset({"annotations"})

# Modules a script may ``from ... import`` names from, without being tools: our own error classes,
# so a script can catch UndefinedMetric. Filled with the MetaAgentError family.
ERROR_MODULE = "meta_agent.errors"

# Denied outright, with the reason given in the finding (everything else unlisted is denied too,
# with a generic message). The ones scripts most often try.
DENIED_MODULE_REASONS: dict[str, str] = {
    "os": "reaches the file system, processes and the environment",
    "sys": "reaches the interpreter, its modules and its streams",
    "subprocess": "starts processes",
    "socket": "opens network connections",
    "ctypes": "calls native code",
    "importlib": "imports any module",
    "pickle": "runs code while loading",
    "shutil": "copies and deletes files",
    "io": "opens files",
    "pathlib": "reads and writes files",
    "builtins": "reaches eval, exec and open",
    "inspect": "reaches frames and globals",
    "gc": "reaches every object in the process",
    "pandas": "writes files and reads pickles (to_csv, read_pickle) and reaches os; use tools",
    "numpy": "reads and writes files (load, save, tofile) and reaches ctypes; use tools",
    "matplotlib": "writes files anywhere (savefig); use the chart tools",
}

# --- names -------------------------------------------------------------------------------------

# Builtins a script may use: constructors, pure helpers, and exception classes to raise and catch.
ALLOWED_BUILTINS = _words(
    """
    len range min max sum abs round sorted enumerate zip list dict tuple set frozenset str
    int float bool isinstance print any all reversed map filter repr next iter divmod pow
    Exception ValueError RuntimeError KeyError TypeError IndexError ZeroDivisionError
    ArithmeticError LookupError NotImplementedError OverflowError AssertionError
    StopIteration
    """
)

# Builtins that break out of any policy, with the reason; a finding of rule "call" even when
# they are only named (``f = eval``), not called.
DANGEROUS_BUILTINS: dict[str, str] = {
    "eval": "runs a string as code",
    "exec": "runs a string as code",
    "compile": "builds code from a string",
    "__import__": "imports any module",
    "open": "reads and writes any file; write results with the export tools",
    "input": "waits for a terminal that scripts do not have",
    "breakpoint": "starts a debugger",
    "globals": "reaches every global, __builtins__ included",
    "locals": "reaches the frame's variables",
    "vars": "reaches an object's __dict__",
    "dir": "lists private and dunder attributes to reach",
    "getattr": "reaches attributes by a computed name (a literal allowed name is accepted)",
    "hasattr": "probes attributes by a computed name (a literal allowed name is accepted)",
    "setattr": "changes attributes of shared objects",
    "delattr": "removes attributes of shared objects",
    "type": "walks to classes, and with three arguments builds new ones",
    "object": "object.__subclasses__() reaches every class in the process",
    "super": "reaches parent classes",
    "memoryview": "exposes raw memory",
    "help": "starts pydoc, which reads files and runs a pager",
    "exit": "ends the interpreter; raise an exception instead",
    "quit": "ends the interpreter; raise an exception instead",
    "classmethod": "builds classes, which scripts do not define",
    "staticmethod": "builds classes, which scripts do not define",
    "property": "builds classes, which scripts do not define",
}

# --- attributes on values -----------------------------------------------------------------------

# Attribute names usable on any value (a DataFrame, a dict, a string, a logger, a datetime...).
# The type of a value is not known statically, so a name is listed only if it is harmless on
# every object a script can hold. Reading results, pure transforms that return new data, and the
# logger methods. Anything else is a finding.
VALUE_ATTRIBUTES = _words(
    """
        # logging.Logger
        debug info warning error exception critical setLevel isEnabledFor
        # dict / list
        keys values items get append extend insert pop update setdefault copy count index sort
        reverse
        # str (not format/format_map: "{0.__class__}" walks attributes)
        upper lower strip lstrip rstrip title capitalize split rsplit splitlines join replace
        startswith endswith zfill ljust rjust center isdigit isalpha isalnum find
        # pandas DataFrame / Series, numpy arrays: reading and pure transforms
        empty shape columns index name iloc loc at iat size head tail tolist to_list to_dict
        sum mean median min max std var abs round cumsum pct_change diff clip quantile
        sort_values sort_index nlargest nsmallest unique nunique value_counts isna notna isnull
        notnull fillna dropna isin between any all idxmax idxmin describe reset_index set_index
        rename drop merge groupby corr
        # datetime, timedelta, Decimal, Counter, exceptions
        year month day hour minute second date isoformat strftime strptime today now
        fromisoformat weekday timestamp days total_seconds quantize most_common args
        # re.Pattern / re.Match
        match search fullmatch findall finditer sub group groups groupdict start end span
    """
)

_WRITES = "writes files anywhere; write results with the export tools (export_to_csv, ...)"
_READS = "reads files (and pickles, which run code); read data with the database tools"
_RUNS = "runs a string as code"
# Names with a specific reason (every other unlisted attribute gets a generic one).
DENIED_ATTRIBUTES: dict[str, str] = {
    **dict.fromkeys(
        _words(
            """
            to_csv to_excel to_parquet to_pickle to_json to_html to_sql to_feather to_hdf to_stata
            to_latex to_markdown to_xml to_orc to_string savefig tofile save savez savetxt dump
            write write_text write_bytes
            """
        ),
        _WRITES,
    ),
    **dict.fromkeys(
        _words("fromfile load loadtxt genfromtxt read read_text read_bytes open"), _READS
    ),
    "to_clipboard": "reaches the system clipboard",
    "query": "runs its string as code (df.query('@__import__(...)')); filter with filter_data",
    "eval": _RUNS,
    "pipe": "calls whatever it is given, by name",
    "apply": "resolves strings to methods and calls them; use the data tools",
    "applymap": "resolves strings to methods and calls them; use the data tools",
    "map": "resolves strings to methods and calls them; use the data tools",
    "agg": "resolves strings to methods and calls them; use aggregate_metrics",
    "aggregate": "resolves strings to methods and calls them; use aggregate_metrics",
    "transform": "resolves strings to methods and calls them; use transform_data",
    "style": "renders through templates and writes files",
    "plot": "draws with matplotlib, which writes files; use the chart tools",
    "hist": "draws with matplotlib, which writes files; use the chart tools",
    "boxplot": "draws with matplotlib, which writes files; use the chart tools",
    "ctypes": "exposes raw memory and native calls",
    "ctypeslib": "exposes raw memory and native calls",
    "format": 'walks attributes through its template ("{0.__class__}"); use an f-string',
    "format_map": 'walks attributes through its template ("{0.__class__}"); use an f-string',
    "io": "reaches file readers and os (pandas.io)",
    "lib": "reaches file readers and os (numpy.lib)",
    "os": "reaches the file system and processes",
    "sys": "reaches the interpreter",
    "system": "runs shell commands",
    "popen": "runs shell commands",
}
# Prefixes of whole families of readers and writers (read_csv, read_pickle, to_*, save*, load*).
DENIED_ATTRIBUTE_PREFIXES: dict[str, str] = {
    "read_": _READS,
    "to_": _WRITES,
    "save": _WRITES,
    "load": _READS,
}

# Keywords that hand a call a file name or a writable stream, refused on every call that is not a
# tool (``print(file=...)``, ``df.info(buf=...)``, ``logging.basicConfig(filename=...)``).
FILE_KEYWORDS = frozenset(
    {"file", "buf", "path", "path_or_buf", "filename", "filepath", "fname", "stream", "handlers"}
)
# Keywords that choose a "{" or "$" format style, refused on every call that is not a tool: a
# "{" format walks attributes and items ("{msg.__globals__[os].environ}").
STYLE_KEYWORDS = frozenset({"style"})
# Module callables a script may only call directly, under the name it imported, never store,
# pass on or hand to another call (functools.partial, defaultdict, map...), so that the checks
# on their arguments always apply. The reason is given in the finding.
CALL_ONLY: dict[str, str] = {
    "logging.basicConfig": "it configures logging, and only its one checked form is allowed",
}
# logging.basicConfig: level, format and datefmt only, as literals. Not filename/filemode/
# stream/handlers (they write files), not style (a "{" format walks attributes of the log
# record), not force (it replaces the runtime's handlers).
LOGGING_CONFIG_KEYWORDS = frozenset({"level", "format", "datefmt"})
# The log record fields a %-style format may name.
LOG_RECORD_FIELDS = _words(
    """
    asctime created filename funcName levelname levelno lineno message module msecs name
    pathname process processName relativeCreated thread threadName taskName
    """
)
LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
_PERCENT_FIELD = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\d+)?(?:\.\d+)?(?P<kind>.)?")


def logging_config_problem(
    keyword: str, value: ast.expr, resolve: Callable[[ast.expr], str | None]
) -> str | None:
    """Why ``value`` is not allowed for ``logging.basicConfig(keyword=...)``, or None.

    ``level`` is a level (``logging.INFO``, ``"INFO"`` or 10-50); ``format`` a literal %-style
    format of log record fields (``%(asctime)s %(message)s``); ``datefmt`` a literal string.
    ``resolve`` says what a name or attribute stands for (``"logging.INFO"``).
    """
    if keyword == "level":
        name = resolve(value)
        if name is not None and name.startswith("logging.") and name[8:] in LOG_LEVELS:
            return None
        if isinstance(value, ast.Constant) and (
            value.value in LOG_LEVELS
            or (type(value.value) is int and value.value in (10, 20, 30, 40, 50))
        ):
            return None
        return "the level must be logging.DEBUG/INFO/WARNING/ERROR/CRITICAL"
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return "it must be a string literal, so that it is checked"
    if keyword == "format":
        if "{" in value.value or "$" in value.value:
            return "'{' and '$' have no place in a %-style format (they walk attributes)"
        for match in _PERCENT_FIELD.finditer(value.value):
            field, kind = match.group("name"), match.group("kind")
            if match.group() == "%%":
                continue
            if field is None or field not in LOG_RECORD_FIELDS or kind not in ("s", "d", "f"):
                return (
                    f"{match.group()!r} is not a log record field; use %(name)s fields such as "
                    "%(asctime)s %(levelname)s %(message)s"
                )
    return None


# --- syntax ------------------------------------------------------------------------------------

# Node types a script may contain. Not here, so a finding: class definitions, decorators, async,
# await, yield, with (no file handles are needed), del, global/nonlocal, match, walrus, try/except*,
# and while: an unbounded loop is the simplest way to burn the sandbox's budget, and a script
# iterates over data with for (the sandbox's CPU and time limits still stop a long for loop).
ALLOWED_NODES: frozenset[type[ast.AST]] = frozenset(
    {
        ast.Module,
        ast.Expr,
        ast.Assign,
        ast.AugAssign,
        ast.AnnAssign,
        ast.FunctionDef,
        ast.Return,
        ast.If,
        ast.For,
        ast.Break,
        ast.Continue,
        ast.Pass,
        ast.Try,
        ast.ExceptHandler,
        ast.Raise,
        ast.Assert,
        ast.Import,
        ast.ImportFrom,
        ast.alias,
        ast.arguments,
        ast.arg,
        ast.keyword,
        ast.BoolOp,
        ast.BinOp,
        ast.UnaryOp,
        ast.Lambda,
        ast.IfExp,
        ast.Compare,
        ast.Call,
        ast.Constant,
        ast.JoinedStr,
        ast.FormattedValue,
        ast.Name,
        ast.Attribute,
        ast.Subscript,
        ast.Slice,
        ast.Starred,
        ast.List,
        ast.Tuple,
        ast.Dict,
        ast.Set,
        ast.ListComp,
        ast.SetComp,
        ast.DictComp,
        ast.GeneratorExp,
        ast.comprehension,
        ast.Load,
        ast.Store,
        ast.And,
        ast.Or,
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.MatMult,
        ast.Div,
        ast.Mod,
        ast.Pow,
        ast.LShift,
        ast.RShift,
        ast.BitOr,
        ast.BitXor,
        ast.BitAnd,
        ast.FloorDiv,
        ast.Invert,
        ast.Not,
        ast.UAdd,
        ast.USub,
        ast.Eq,
        ast.NotEq,
        ast.Lt,
        ast.LtE,
        ast.Gt,
        ast.GtE,
        ast.Is,
        ast.IsNot,
        ast.In,
        ast.NotIn,
    }
)

# A script bigger than this is not a generated script; parsing it is itself a cost.
MAX_SOURCE_CHARS = 200_000

# --- tools -------------------------------------------------------------------------------------

# Tool parameters that receive SQL (one query) or a batch of {"query": ..., "params": ...}.
SQL_PARAMETERS = frozenset({"query", "sql"})
SQL_BATCH_PARAMETERS = frozenset({"queries"})
# The only keys of a batch's query dict: literals, so a computed key cannot replace the query.
SQL_BATCH_KEYS = frozenset({"query", "params"})
# Tool parameters that name a file the tool writes.
OUTPUT_PARAMETERS = frozenset({"filename"})


# --- literal arguments against a tool's JSON Schema ----------------------------------------------


def schema_problem(value: Any, schema: dict[str, Any]) -> str | None:
    """Why a literal ``value`` does not fit a JSON Schema from the registry, or None if it fits."""
    if "anyOf" in schema:
        problems = [schema_problem(value, option) for option in schema["anyOf"]]
        if all(problems):
            return f"{value!r} fits none of: {', '.join(_describe(o) for o in schema['anyOf'])}"
        return None
    if "enum" in schema and value not in schema["enum"]:
        return f"{value!r} is not one of {schema['enum']}"
    expected = schema.get("type")
    if expected is not None and not _has_type(value, expected):
        return f"{value!r} is not {_describe(schema)}"
    if expected == "string" and schema.get("format") in ("date", "date-time"):
        try:
            (dt.date if schema["format"] == "date" else dt.datetime).fromisoformat(value)
        except ValueError:
            return f"{value!r} is not an ISO {schema['format']}"
    if expected == "array":
        return _array_problem(list(value), schema)
    if expected == "object" and "additionalProperties" in schema:
        for key, item in value.items():
            problem = schema_problem(item, schema["additionalProperties"])
            if problem:
                return f"[{key!r}]: {problem}"
    return None


def _array_problem(items: list[Any], schema: dict[str, Any]) -> str | None:
    prefix = schema.get("prefixItems")
    if prefix is not None:
        if len(items) != len(prefix):
            return f"expected {len(prefix)} items, got {len(items)}"
        pairs = list(zip(items, prefix, strict=True))
    else:
        pairs = [(item, schema.get("items", {})) for item in items]
    for index, (item, item_schema) in enumerate(pairs):
        problem = schema_problem(item, item_schema)
        if problem:
            return f"item {index}: {problem}"
    return None


def _has_type(value: Any, expected: str) -> bool:
    # JSON has no booleans among numbers, and no tuples or sets: Python literals map onto it.
    if expected == "null":
        return value is None
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "string":
        return isinstance(value, str)
    if expected == "array":
        return isinstance(value, (list, tuple, set, frozenset))
    if expected == "object":
        return isinstance(value, dict)
    return True


def _describe(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_describe(option) for option in schema["anyOf"])
    if "enum" in schema:
        return f"one of {schema['enum']}"
    if schema.get("x-python-type") == "pandas.DataFrame":
        return "a table"
    names = {
        "null": "None",
        "boolean": "a bool",
        "integer": "an int",
        "number": "a number",
        "string": "a string",
        "array": "a list",
        "object": "a dict",
    }
    return names.get(schema.get("type", ""), "any value")


# --- secrets -----------------------------------------------------------------------------------


def secret_findings(
    source: str, tree: ast.AST | None = None, *, thorough: bool = True
) -> list[Finding]:
    """Hard-coded credentials in ``source``: one finding per line, never quoting the value.

    ``tree`` is the parsed ``source`` (parsed here when None): every string constant is judged
    on its own and in its context (``meta_agent.scripting.secret_scan``), every line by the known
    formats and, where it could find anything, by detect-secrets. ``thorough`` is accepted for
    compatibility: every check always runs, since none of them is slow any more. ``# nosec`` and
    ``pragma: allowlist secret`` comments are ignored: the script does not get to silence them.
    """
    from meta_agent.scripting import secret_scan

    del thorough
    if tree is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
    kinds: dict[int, set[str]] = {}
    for hit in secret_scan.scan(source, tree):
        kinds.setdefault(hit.line, set()).add(hit.kind)
    return [
        Finding(
            number,
            "secret",
            f"a hard-coded credential ({', '.join(sorted(found))}); scripts must not hold "
            "secrets: tools get credentials from the run's configuration",
        )
        for number, found in sorted(kinds.items())
    ]
