"""The one SQL guard: a single read-only SELECT over the portfolio tables, deny by default.

Both the script validator (before a run) and the database tools (at run time) call
``sql_problems``/``check_select`` here, so a query is judged the same way in both places. The
query is parsed by sqlglot in the dialect of the database it will run on (SQLite or PostgreSQL),
and everything in the tree must be on an allow-list:

- one SELECT statement: WITH (not RECURSIVE), subqueries, JOINs, UNION/INTERSECT/EXCEPT,
  GROUP BY/HAVING/ORDER BY/LIMIT/OFFSET, CASE, CAST to plain types, window functions;
- tables: DOMAIN.md's ``TABLES`` and the query's own WITH names (scoped as the database scopes
  them), never schema-qualified; columns: those tables' columns and the query's own aliases;
- functions: ``FUNCTIONS`` for the dialect, checked by the name the query spells;
- values: literals, and bound parameters written ``:name`` (the tools bind them by name).

Everything else is refused with a message naming it and what is accepted: other tables
(``sqlite_master``, ``pg_catalog``, ``information_schema``), table-valued functions
(``pragma_*``, ``json_each``, ``generate_series``), statements other than SELECT (PRAGMA,
ATTACH, DML, DDL), RETURNING, INTO, locking clauses, several statements, and any function not
listed (``load_extension``, ``pg_read_file``, ``pg_sleep``...). Recursive CTEs are refused (an
unbounded one never ends); so are string-repeating functions (``repeat``, ``lpad``, ``printf``)
that can build a gigabyte value from a short query.

Comments are accepted and never reach the database: the text that runs is rebuilt from the
tokens sqlglot read, with comments dropped, so a comment cannot hide a second statement from the
check. Lexical forms that the two engines (or sqlglot and an engine) could read differently are
refused: E'', $$, X'', B'' strings, backslashes in strings, backtick and [bracket] identifiers,
``::`` on SQLite, non-ASCII characters outside strings and quoted names, and control characters.

Decisions: table-valued functions are all refused, ``generate_series`` included (a calendar is
not worth a query that can emit a billion rows) and the JSON functions too (no column holds JSON).
Window functions, FILTER and WITHIN GROUP are accepted. A query cannot be stopped from joining
large tables with each other; the sandbox's time limit ends such a run.

On SQLite the tools compile each query under ``sqlite_authorizer``, so SQLite itself refuses a
table, function or action the guard would not accept, should the parse ever differ from
SQLite's. On PostgreSQL the sessions are read-only; a role granted SELECT on the five tables
only is the matching second line for a shared server.

sqlglot is imported on first use (about 80 ms on a quiet machine), so importing this module is
free; verdicts are cached per (query, dialect).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from meta_agent.errors import UnsafeQuery

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlglot import exp

MAX_QUERY_CHARS = 20_000  # a hand-written analytical query is far shorter; longer is suspect
MAX_PROBLEMS = 4  # findings reported for one query; the first few are enough to fix it
DIALECTS = ("sqlite", "postgres")

# The portfolio tables of DOMAIN.md and their columns (schema.py must agree: a test checks it).
# Kept here as plain data so the validator need not import SQLAlchemy to check a query.
TABLES: dict[str, tuple[str, ...]] = {
    "properties": (
        "property_id", "name", "property_type", "address", "city", "state", "zip", "market",
        "latitude", "longitude", "year_built", "square_feet", "units", "acquisition_date",
        "acquisition_price",
    ),
    "financials": (
        "property_id", "period", "gross_potential_rent", "vacancy_loss", "other_income",
        "effective_gross_income", "operating_expenses", "noi", "capex", "occupancy",
    ),
    "loans": (
        "loan_id", "property_id", "lender", "original_balance", "current_balance",
        "interest_rate", "amortization_months", "term_months", "origination_date",
        "maturity_date", "annual_debt_service",
    ),
    "valuations": ("property_id", "valuation_date", "value", "method"),
    "market_data": (
        "market", "property_type", "period", "avg_cap_rate", "avg_rent_psf", "vacancy_rate",
    ),
}  # fmt: skip
ALL_COLUMNS = frozenset(column for columns in TABLES.values() for column in columns)

# Functions a query may call, by the name it spells (lower case). Every one is pure: it reads its
# arguments only (no files, settings, catalogue, other databases, sleeping or huge values).
_COMMON_FUNCTIONS = """
    count sum avg min max
    row_number rank dense_rank ntile lag lead first_value last_value nth_value percent_rank
    cume_dist
    abs round ceil ceiling floor sqrt power exp ln log log10 sign mod trunc pi
    radians degrees sin cos tan asin acos atan atan2
    coalesce nullif
    length lower upper trim ltrim rtrim replace substr substring
"""
FUNCTIONS: dict[str, frozenset[str]] = {
    "sqlite": frozenset(
        (
            _COMMON_FUNCTIONS
            + """
            ifnull iif instr total group_concat date datetime strftime julianday char unicode
            """
        ).split()
    ),
    "postgres": frozenset(
        (
            _COMMON_FUNCTIONS
            + """
            greatest least strpos position string_agg concat left right initcap split_part
            char_length date_trunc date_part to_char make_date age now cbrt div
            stddev stddev_samp stddev_pop variance var_samp var_pop percentile_cont
            percentile_disc bool_and bool_or
            """
        ).split()
    ),
}
# Functions SQLite reports to its authorizer for operators and keywords of accepted queries.
_SQLITE_OPERATOR_FUNCTIONS = frozenset(
    {"like", "glob", "current_date", "current_time", "current_timestamp"}
)
# Functions sqlglot reads without keeping the spelled name (keyword syntax such as CASE and
# CAST, or a name it normalises): accepted by what sqlglot recognised them as.
_NAMELESS_COMMON = frozenset({
    "Case", "If", "Cast", "Exists", "CurrentDate", "CurrentTimestamp", "Substring",
    "StrPosition", "Trim", "GroupConcat",
})  # fmt: skip
_NAMELESS = {
    "sqlite": _NAMELESS_COMMON | {"Chr"},
    "postgres": _NAMELESS_COMMON | {"Extract"},
}
CONSTRUCTS = {
    "sqlite": "CASE, CAST and EXISTS",
    "postgres": "CASE, CAST, EXISTS, EXTRACT(part FROM date) and INTERVAL '...'",
}
# Reserved words followed by "(" that sqlglot's tokenizer leaves as plain words.
_SYNTAX_WORDS = frozenset({"cast", "extract", "group", "filter", "over", "exists", "in"})
# Nodes sqlglot adds inside a function it recognised (strftime's argument becomes a timestamp).
_IMPLIED = frozenset({"TsOrDsToTimestamp", "TsOrDsToDate", "TimeStrToTime"})
# Types CAST may convert to.
CAST_TYPES = frozenset({
    "INT", "BIGINT", "SMALLINT", "FLOAT", "DOUBLE", "DECIMAL", "TEXT", "VARCHAR", "CHAR",
    "DATE", "TIMESTAMP", "BOOLEAN",
})  # fmt: skip
# Date parts in EXTRACT(... FROM x), INTERVAL '1' MONTH and date_trunc('month', x).
DATE_UNITS = frozenset({
    "YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "DOW", "DOY", "HOUR", "MINUTE", "SECOND",
    "EPOCH", "ISODOW", "ISOYEAR",
})  # fmt: skip
# The grammar of a read-only SELECT: every node of the tree must be one of these (or a function
# above). Anything else (Into, Lock, Returning, Lateral, Values, Pragma...) is refused, including
# whatever a later sqlglot adds. SQLite has no INTERVAL or ILIKE; PostgreSQL has no GLOB.
_STRUCTURE_COMMON = frozenset({
    "Select", "Union", "Intersect", "Except", "Subquery", "With", "CTE", "From", "Join",
    "Where", "Group", "Having", "Order", "Ordered", "Limit", "Offset", "Distinct", "Alias",
    "TableAlias", "Table", "Column", "Identifier", "Star", "Literal", "Boolean", "Null",
    "Placeholder", "Paren", "Tuple", "Neg", "Not", "And", "Or", "Xor", "EQ", "NEQ", "GT", "GTE",
    "LT", "LTE", "NullSafeEQ", "NullSafeNEQ", "Is", "Add", "Sub", "Mul", "Div", "Mod", "DPipe",
    "Like", "Escape", "In", "Between", "Window", "WindowSpec", "Filter", "WithinGroup",
    "DataType", "DataTypeParam", "Var",
})  # fmt: skip
_STRUCTURE = {
    "sqlite": _STRUCTURE_COMMON | {"Glob"},
    "postgres": _STRUCTURE_COMMON | {"ILike", "Interval", "IntDiv"},
}
_DESCRIBED = {
    "Into": "SELECT ... INTO (it creates a table)",
    "Lock": "A row-locking clause (FOR UPDATE / FOR SHARE)",
    "Returning": "RETURNING (it belongs to data changes)",
    "Lateral": "LATERAL",
    "Values": "A VALUES list",
    "Unnest": "UNNEST",
    "Dot": "A schema-qualified name",
    "Parameter": "A $1 or @name parameter (write :name)",
    "SessionParameter": "A session variable",
    "ObjectIdentifier": "A catalogue type (regclass, oid...)",
    "Command": "A command",
    "Pragma": "PRAGMA",
    "Attach": "ATTACH",
    "Detach": "DETACH",
    "JSONExtract": "the -> JSON operator",
    "JSONExtractScalar": "the ->> JSON operator",
}
_ACCEPTED = (
    "Accepted: one SELECT (WITH, JOIN, subqueries, GROUP BY, UNION, window functions) over "
    + ", ".join(TABLES)
    + ", with values passed as :name parameters."
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_KEYWORDS = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*(?:[ \t\r\n]+[A-Za-z_][A-Za-z0-9_]*)*\Z"
)  # ORDER BY, GROUP BY
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_OPERATOR = re.compile(r"[-+*/%<>=!|&~^(),.;:]+\Z")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ODD_STRINGS = {
    "BYTE_STRING": "E'...' strings",
    "HEREDOC_STRING": "$$ quoted strings",
    "HEX_STRING": "X'...' strings",
    "BIT_STRING": "B'...' strings",
    "NATIONAL_STRING": "N'...' strings",
    "RAW_STRING": "raw strings",
    "UNICODE_STRING": "U&'...' strings",
}


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the guard: the text to run (for ``sqlalchemy.text``) and its parameters.

    ``sql`` is the query rebuilt from its tokens without comments; colons inside strings and
    quoted names are escaped (``\\:``) so that only the ``:name`` parameters are bound.
    """

    sql: str
    parameters: frozenset[str]


def normalize_dialect(dialect: str) -> str:
    """``sqlite`` or ``postgres`` from an engine or URL backend name; ValueError otherwise."""
    name = dialect.strip().lower().split("+")[0]
    if name in ("postgresql", "postgres"):
        return "postgres"
    if name == "sqlite":
        return "sqlite"
    raise ValueError(f"no SQL dialect for {dialect!r}; the portfolio runs on SQLite or PostgreSQL")


def dialect_of_url(url: str) -> str:
    """The guard's dialect for a database URL (``sqlite:///...``, ``postgresql+psycopg://...``)."""
    return normalize_dialect(url.split(":", 1)[0])


def dialect_in_force() -> str:
    """The dialect of the database in force (``Settings``), for checks made before a run.

    A URL of another kind of database is the run's configuration error to report, not the
    validator's: its queries are judged as SQLite's meanwhile.
    """
    from meta_agent.config import Settings

    try:
        return dialect_of_url(Settings().resolved_database_url)
    except ValueError:
        return "sqlite"


def sqlite_authorizer() -> Callable[[int, str | None, str | None, str | None, str | None], int]:
    """A ``sqlite3`` authorizer that lets a statement do only what the guard accepts.

    The second line on SQLite, below the parse: reading the portfolio tables' columns of the
    main database, and calling the listed functions (plus ``like``/``glob``, which implement
    LIKE and GLOB, and the CURRENT_* keywords); every other action (writes, PRAGMA, ATTACH, other
    tables, other functions) is denied by SQLite while it compiles the statement.
    """
    import sqlite3

    functions = FUNCTIONS["sqlite"] | _SQLITE_OPERATOR_FUNCTIONS

    def authorize(
        action: int, arg1: str | None, arg2: str | None, database: str | None, _: str | None
    ) -> int:
        if action == sqlite3.SQLITE_SELECT:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ:
            columns = TABLES.get(arg1 or "", ())
            # An empty column name is a read of the table itself (count(*) and the like).
            if columns and database in (None, "main") and (arg2 or "") in ("", *columns):
                return sqlite3.SQLITE_OK
        elif action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in functions:
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    return authorize


def check_select(query: str, dialect: str = "sqlite") -> CheckedQuery:
    """The query to run, if it is one read-only SELECT the guard accepts; UnsafeQuery otherwise."""
    if not isinstance(query, str):
        raise TypeError("query must be a string")
    checked, problems = _check(query, normalize_dialect(dialect))
    if checked is None:
        raise UnsafeQuery(" ".join(problems))
    return checked


def sql_problems(query: str, dialect: str = "sqlite") -> list[str]:
    """Everything the guard refuses in ``query`` (empty when it is accepted), as sentences."""
    if not isinstance(query, str):
        return ["The query must be a string holding one SELECT statement."]
    return list(_check(query, normalize_dialect(dialect))[1])


def sql_problem(query: str, dialect: str = "sqlite") -> str | None:
    """Why the guard refuses ``query``, in one message, or None when it accepts it."""
    problems = sql_problems(query, dialect)
    return " ".join(problems) if problems else None


@lru_cache(maxsize=512)
def _check(query: str, dialect: str) -> tuple[CheckedQuery | None, tuple[str, ...]]:
    """(the checked query, ()) or (None, problems); cached, as scripts repeat their queries."""
    checker = _Checker(query, dialect)
    checked = checker.run()
    if checker.problems or checked is None:
        return None, tuple(dict.fromkeys(checker.problems))[:MAX_PROBLEMS]
    return checked, ()


class _Checker:
    """One check of one query: ``run`` returns the query to run, ``problems`` what is refused."""

    def __init__(self, query: str, dialect: str) -> None:
        self.query = query
        self.dialect = dialect
        self.problems: list[str] = []
        self.parameters: set[str] = set()
        self.aliases: frozenset[str] = frozenset()
        self.cte_names: frozenset[str] = frozenset()

    def run(self) -> CheckedQuery | None:
        query = self.query
        if len(query) > MAX_QUERY_CHARS:
            return self.fail(f"The query is longer than {MAX_QUERY_CHARS} characters.")
        if not query.strip():
            return self.fail("The query is empty; send one SELECT statement.")
        if _CONTROL.search(query):
            return self.fail("The query contains control characters; send plain text.")
        from sqlglot.dialects.dialect import Dialect
        from sqlglot.errors import SqlglotError

        engine = Dialect.get_or_raise(self.dialect)
        try:
            tokens = engine.tokenize(query)
        except SqlglotError as exc:
            return self.fail(f"The query could not be read as SQL: {_first_line(exc)}. {_ACCEPTED}")
        except Exception:  # noqa: BLE001 - whatever sqlglot cannot read is refused, not run
            return self.fail(f"The query could not be read as SQL. {_ACCEPTED}")
        if all(token.token_type.name == "SEMICOLON" for token in tokens):
            return self.fail("The query is empty; send one SELECT statement.")
        self.check_tokens(tokens)
        if self.problems:
            return None
        try:
            trees = engine.parser().parse(tokens, query)
        except SqlglotError as exc:
            return self.fail(f"The query could not be read as SQL: {_first_line(exc)}. {_ACCEPTED}")
        except RecursionError:
            return self.fail("The query is nested too deeply to check.")
        except Exception:  # noqa: BLE001 - whatever sqlglot cannot read is refused, not run
            return self.fail(f"The query could not be read as SQL. {_ACCEPTED}")
        statements = [tree for tree in trees if tree is not None]
        if len(trees) != 1 or len(statements) != 1:
            return self.fail(
                "Only one statement is accepted: remove the ';' between statements. " + _ACCEPTED
            )
        tree = statements[0]
        self.check_tree(tree)
        if not self.problems:
            self.check_calls(tokens)
        if self.problems:
            return None
        return CheckedQuery(_runnable_text(query, tokens), frozenset(self.parameters))

    def fail(self, message: str) -> CheckedQuery | None:
        """Refuse the query for ``message``; None, for ``return self.fail(...)``."""
        self.refuse(message)
        return None

    # --- tokens: the lexical forms both engines read alike --------------------------------------

    def check_tokens(self, tokens: list[Any]) -> None:
        for token in tokens:
            kind = token.token_type.name
            span = self.query[token.start : token.end + 1]
            if kind in _ODD_STRINGS:
                self.refuse(
                    f"{_ODD_STRINGS[kind]} are not accepted; use plain '...' strings "
                    "(double a quote inside: 'it''s')."
                )
            elif kind == "STRING":
                if not (span.startswith("'") and span.endswith("'")):
                    self.refuse(f"The string {span!r} is not a plain '...' string.")
                elif "\\" in span:
                    self.refuse(
                        "Backslashes in strings are not accepted (the engines read them "
                        "differently); pass such a value as a :name parameter."
                    )
            elif kind == "IDENTIFIER":
                if not (span.startswith('"') and span.endswith('"')):
                    self.refuse(f'{span} is not accepted: quote names with double quotes ("name").')
            elif kind == "DCOLON" and self.dialect == "sqlite":
                self.refuse("SQLite has no '::' cast; write CAST(value AS type).")
            elif not (_KEYWORDS.match(span) or _NUMBER.match(span) or _OPERATOR.match(span)):
                self.refuse(
                    f"{span!r} is not accepted in a query: names are ASCII letters, digits and "
                    "'_' (quote others with double quotes), values are numbers, '...' strings "
                    "or :name parameters."
                )

    def check_calls(self, tokens: list[Any]) -> None:
        """Every ``name(`` in the text is a listed function or a WITH name (``WITH t(a) AS``).

        A second net under the tree check, independent of how sqlglot parsed the call: the
        database runs the text, so a call it would make must be allowed whatever the tree says.
        """
        allowed = FUNCTIONS[self.dialect]
        for token, following in zip(tokens, tokens[1:], strict=False):
            if following.token_type.name != "L_PAREN":
                continue
            if token.token_type.name not in ("VAR", "IDENTIFIER"):
                continue  # keywords: CAST, EXISTS, IN, OVER, AS, USING...
            quoted = token.token_type.name == "IDENTIFIER"
            name = token.text if quoted else token.text.lower()
            if not quoted and name in _SYNTAX_WORDS:
                continue  # reserved words of the grammar, which the tree check judged
            if name.lower() not in allowed and name not in self.cte_names:
                self.refuse(
                    f"The function {name}() is not accepted. Functions accepted on "
                    f"{self.dialect}: {', '.join(sorted(allowed))}, plus "
                    f"{CONSTRUCTS[self.dialect]}."
                )

    # --- the tree ----------------------------------------------------------------------------

    def check_tree(self, tree: exp.Expr) -> None:
        from sqlglot import exp

        if isinstance(tree, exp.Subquery):
            self.refuse("Write the SELECT without parentheses around the whole query.")
            return
        if not isinstance(tree, exp.Query):
            what = _statement_name(tree, self.query)
            self.refuse(
                f"Only a SELECT statement is accepted, not {what}: the portfolio database "
                f"is read-only. {_ACCEPTED}"
            )
            return
        self.aliases = _defined_names(tree)
        self.cte_names = frozenset(_name(cte.args["alias"].this) for cte in tree.find_all(exp.CTE))
        for node in tree.walk():
            kind = type(node).__name__
            if (
                kind in _STRUCTURE[self.dialect]
            ):  # before functions: AND, OR, % are functions to sqlglot
                self.check_structure(node, kind)
            elif isinstance(node, exp.Func):
                self.check_function(node, kind)
            else:
                self.refuse(
                    f"{_DESCRIBED.get(kind, kind.upper())} is not accepted in a read-only "
                    f"query. {_ACCEPTED}"
                )

    def check_structure(self, node: exp.Expr, kind: str) -> None:
        from sqlglot import exp

        if isinstance(node, exp.With) and node.args.get("recursive"):
            self.refuse(
                "WITH RECURSIVE is not accepted (an unbounded recursion never ends); use a "
                "plain WITH, GROUP BY or window functions."
            )
        elif isinstance(node, exp.Select) and not node.expressions:
            self.refuse("The SELECT names nothing to return; list columns or expressions.")
        elif isinstance(node, exp.Table):
            self.check_table(node)
        elif isinstance(node, exp.Column):
            self.check_column(node)
        elif isinstance(node, exp.Placeholder):
            name = node.this
            # :name reads as a plain name; %(name)s as an Identifier, ? and $1 as no name.
            if isinstance(name, str) and _WORD.match(name):
                self.parameters.add(name)
            else:
                self.refuse(
                    "Parameters are written :name (for example WHERE market = :market), "
                    "not ?, %(name)s or $1."
                )
        elif isinstance(node, exp.DataType):
            type_name = node.this.name if hasattr(node.this, "name") else str(node.this)
            if type_name not in CAST_TYPES:
                self.refuse(
                    f"CAST to {node.sql(self.dialect)} is not accepted; cast to one of: "
                    f"{', '.join(sorted(CAST_TYPES))}."
                )
        elif isinstance(node, exp.Var) and node.name.upper() not in DATE_UNITS:
            self.refuse(
                f"{node.name!r} is not accepted here; date parts are: "
                f"{', '.join(sorted(DATE_UNITS))}."
            )

    def check_function(self, node: exp.Func, kind: str) -> None:
        from sqlglot import exp

        name = self.function_name(node)
        if name is None:  # keyword syntax sqlglot recognised (CASE, CAST...), or implied by one
            if kind in _NAMELESS[self.dialect]:
                return
            if kind in _IMPLIED and isinstance(node.parent, exp.Func):
                return
            name = kind.lower()
        allowed = FUNCTIONS[self.dialect]
        if name in allowed or isinstance(node.parent, exp.Table):
            return  # a function in FROM is refused by the table check, naming it
        self.refuse(
            f"The function {name}() is not accepted. Functions accepted on {self.dialect}: "
            f"{', '.join(sorted(allowed))}, plus {CONSTRUCTS[self.dialect]}."
        )

    def function_name(self, node: exp.Func) -> str | None:
        """The function's name as the query spells it (lower case); None if it spells none."""
        from sqlglot import exp

        if isinstance(node, exp.Anonymous):
            return str(node.name).lower()
        start, end = node.meta.get("start"), node.meta.get("end")
        if isinstance(start, int) and isinstance(end, int):
            return self.query[start : end + 1].lower()
        return None

    def check_table(self, node: exp.Table) -> None:
        from sqlglot import exp

        target = node.this
        if isinstance(target, exp.Func):
            name = self.function_name(target) or type(target).__name__.lower()
            self.refuse(
                f"{name}() is a table-valued function, which is not accepted: read "
                f"{', '.join(TABLES)}."
            )
            return
        if not isinstance(target, exp.Identifier):
            self.refuse(f"{node.sql(self.dialect)} is not a table the query may read.")
            return
        if node.args.get("db") or node.args.get("catalog"):
            self.refuse(
                f"{node.sql(self.dialect)} is schema-qualified; name the portfolio tables "
                f"alone: {', '.join(TABLES)}."
            )
            return
        name = _name(target)
        if name in TABLES or name in _visible_ctes(node):
            return
        self.refuse(
            f"The query reads {target.name!r}, which is not a portfolio table; it may read "
            f"{', '.join(TABLES)} and the names its own WITH defines."
        )

    def check_column(self, node: exp.Column) -> None:
        from sqlglot import exp

        if node.args.get("db") or node.args.get("catalog"):
            self.refuse(f"{node.sql(self.dialect)} is schema-qualified; write table.column.")
            return
        qualifier = node.args.get("table")
        if isinstance(qualifier, exp.Identifier):
            owner = _name(qualifier)
            if owner not in TABLES and owner not in self.aliases:
                self.refuse(
                    f"{node.sql(self.dialect)} names {qualifier.name!r}, which is neither a "
                    "portfolio table nor a name the query defines."
                )
                return
        target = node.this
        if isinstance(target, exp.Star):
            return
        name = _name(target) if isinstance(target, exp.Identifier) else ""
        if name in ALL_COLUMNS or name in self.aliases:
            return
        read = [t for t in TABLES if t in _table_names(node.root())] or list(TABLES)
        listing = "; ".join(f"{t}: {', '.join(TABLES[t])}" for t in read)
        self.refuse(
            f"The query names a column {node.sql(self.dialect)!r} that no portfolio table has "
            f"(names in double quotes are case-sensitive). Columns: {listing}."
        )

    def refuse(self, message: str) -> None:
        self.problems.append(message)


def _name(identifier: exp.Identifier) -> str:
    """An identifier as the engines resolve it: unquoted ones case-insensitively."""
    text = str(identifier.this)
    return text if identifier.quoted else text.lower()


def _defined_names(tree: exp.Expr) -> frozenset[str]:
    """Names the query defines: column and table aliases, WITH names and their column lists."""
    from sqlglot import exp

    names: set[str] = set()
    for node in tree.walk():
        if isinstance(node, exp.Alias | exp.TableAlias):
            alias = node.args.get("alias") if isinstance(node, exp.Alias) else node.this
            if isinstance(alias, exp.Identifier):
                names.add(_name(alias))
            if isinstance(node, exp.TableAlias):
                names.update(_name(c) for c in node.columns if isinstance(c, exp.Identifier))
    return frozenset(names)


def _visible_ctes(table: exp.Table) -> set[str]:
    """WITH names a table reference can mean, as the engines scope them.

    Inside a CTE only the CTEs before it in the same WITH are visible (no recursion); in the
    body of a query, all of its WITH. A name defined elsewhere does not shadow a real table here.
    """
    from sqlglot import exp

    names: set[str] = set()
    node: exp.Expr = table
    skip_with_of: exp.Expr | None = None
    while node.parent is not None:
        parent = node.parent
        if isinstance(parent, exp.With) and isinstance(node, exp.CTE):
            position = next(i for i, cte in enumerate(parent.expressions) if cte is node)
            names.update(_name(c.args["alias"].this) for c in parent.expressions[:position])
            skip_with_of = parent.parent
        elif parent is not skip_with_of:
            clause = parent.args.get("with_") or parent.args.get("with")
            if isinstance(clause, exp.With):
                names.update(_name(c.args["alias"].this) for c in clause.expressions)
        node = parent
    return names


def _table_names(tree: exp.Expr) -> set[str]:
    from sqlglot import exp

    return {_name(t.this) for t in tree.find_all(exp.Table) if isinstance(t.this, exp.Identifier)}


def _statement_name(tree: exp.Expr, query: str) -> str:
    from sqlglot import exp

    if isinstance(tree, exp.Command):
        return str(tree.this).upper()
    match = re.match(r"\s*([A-Za-z]+)", query)
    return match.group(1).upper() if match else type(tree).__name__.upper()


def _runnable_text(query: str, tokens: list[Any]) -> str:
    """The query rebuilt from its tokens: comments dropped, each gap one space, ``:`` escaped
    inside strings and quoted names (so SQLAlchemy binds only the ``:name`` parameters)."""
    parts: list[str] = []
    previous_end = None
    for token in tokens:
        if token.token_type.name == "SEMICOLON":
            continue
        span = query[token.start : token.end + 1]
        if token.token_type.name in ("STRING", "IDENTIFIER"):
            span = span.replace(":", "\\:")
        # A gap (space or comment) becomes one space; so does the join of :name and a :: cast,
        # which SQLAlchemy would otherwise not read as a parameter.
        if previous_end is not None and (
            token.start > previous_end + 1 or token.token_type.name == "DCOLON"
        ):
            parts.append(" ")
        parts.append(span)
        previous_end = token.end
    return "".join(parts)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return re.sub(r"\x1b\[[0-9;]*m", "", text[0]).rstrip(".") if text else type(exc).__name__
