"""The SQL guard on one corpus: the validator and the database tools give the same verdict.

Every case of ``sql_corpus`` goes through the guard itself, the script validator (a script that
passes the query to ``query_database`` and ``batch_query``) and the tools on the real sample
portfolio, on SQLite and on PostgreSQL. An accepted query must also run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meta_agent.errors import UnsafeQuery
from meta_agent.portfolio import sqlguard
from meta_agent.scripting.validate import ScriptValidator
from meta_agent.tool_library import database_tools as db
from meta_agent.tool_library.tool_registry import default_registry
from tests.portfolio.sql_corpus import CORPUS, Case

DIALECTS = ["sqlite", "postgres"]


def case_id(case: Case) -> str:
    return repr(case.query)[:60]


@pytest.fixture(scope="module")
def validators() -> dict[str, ScriptValidator]:
    registry = default_registry()
    return {d: ScriptValidator(registry, thorough=False, sql_dialect=d) for d in DIALECTS}


def script_for(case: Case) -> str:
    return (
        "from meta_agent.tool_library.database_tools import batch_query, query_database\n\n"
        f"frame = query_database({case.query!r}, params={case.params!r})\n"
        f"frames = batch_query([{{'query': {case.query!r}, 'params': {case.params!r}}}])\n"
    )


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", CORPUS, ids=case_id)
def test_the_guard_and_the_validator_agree(
    case: Case, dialect: str, validators: dict[str, ScriptValidator]
) -> None:
    problems = sqlguard.sql_problems(case.query, dialect)
    assert (not problems) is case.accepted(dialect), problems
    findings = validators[dialect].validate(script_for(case))
    sql_findings = [f for f in findings if f.rule == "sql"]
    if case.accepted(dialect):
        assert findings == []
    else:
        # One finding per call (query_database and batch_query), each carrying the guard's words.
        assert len(sql_findings) == 2, findings
        assert all(" ".join(problems) in f.message for f in sql_findings)
        assert case.mentions.lower() in " ".join(problems).lower()


def run_on_tools(case: Case) -> list[pd.DataFrame] | UnsafeQuery:
    """Both SQL tools' results, or the UnsafeQuery both raised (they must agree)."""
    outcomes: list[Any] = []
    for call in (
        lambda: db.query_database(case.query, case.params or None),
        lambda: db.batch_query([{"query": case.query, "params": case.params or None}])[0],
    ):
        try:
            outcomes.append(call())
        except UnsafeQuery as exc:
            outcomes.append(exc)
    kinds = {type(outcome) for outcome in outcomes}
    assert len(kinds) == 1, outcomes
    return outcomes[0] if isinstance(outcomes[0], UnsafeQuery) else outcomes


@pytest.mark.parametrize("case", CORPUS, ids=case_id)
def test_the_tools_agree_on_sqlite(case: Case, sample_db_url: str) -> None:
    outcome = run_on_tools(case)
    if case.sqlite:
        assert isinstance(outcome, list) and all(isinstance(f, pd.DataFrame) for f in outcome)
    else:
        assert isinstance(outcome, UnsafeQuery)
        assert str(outcome) == sqlguard.sql_problem(case.query, "sqlite")


@pytest.mark.postgres
@pytest.mark.parametrize("case", CORPUS, ids=case_id)
def test_the_tools_agree_on_postgres(
    case: Case, pg_sample_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("META_AGENT_DATABASE_URL", pg_sample_url)
    outcome = run_on_tools(case)
    if case.postgres:
        assert isinstance(outcome, list) and all(isinstance(f, pd.DataFrame) for f in outcome)
    else:
        assert isinstance(outcome, UnsafeQuery)
        assert str(outcome) == sqlguard.sql_problem(case.query, "postgres")


def test_the_corpus_covers_both_verdicts_on_both_dialects() -> None:
    for dialect in DIALECTS:
        verdicts = [case.accepted(dialect) for case in CORPUS]
        assert verdicts.count(True) >= 40 and verdicts.count(False) >= 60


# --- what runs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_comments_never_reach_the_database_and_colons_in_strings_are_not_parameters(
    dialect: str,
) -> None:
    checked = sqlguard.check_select(
        "SELECT 'a:b' AS \"x:y\" /* DROP TABLE loans */ FROM loans -- DELETE\nWHERE loan_id = :id;",
        dialect,
    )
    assert checked.sql == "SELECT 'a\\:b' AS \"x\\:y\" FROM loans WHERE loan_id = :id"
    assert checked.parameters == frozenset({"id"})


def test_strings_come_back_as_written(sample_db_url: str) -> None:
    found = db.query_database(
        "SELECT 'a:b' AS colon, '50%' AS percent, 'it''s' AS quote, 'Café' AS accent, "
        ":value AS bound",
        {"value": "x:y"},
    )
    assert found.iloc[0].tolist() == ["a:b", "50%", "it's", "Café", "x:y"]


@pytest.mark.postgres
def test_strings_come_back_as_written_on_postgres(
    pg_sample_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("META_AGENT_DATABASE_URL", pg_sample_url)
    found = db.query_database(
        "SELECT 'a:b' AS colon, '50%' AS percent, 'it''s' AS quote, 'Café' AS accent, "
        "CAST(:value AS TEXT) AS bound",
        {"value": "x:y"},
    )
    assert found.iloc[0].tolist() == ["a:b", "50%", "it's", "Café", "x:y"]


# --- the lists ----------------------------------------------------------------------------------

# A call of every function the guard accepts, per dialect: each must pass the guard and run.
FUNCTION_EXAMPLES = {
    "count": "count(noi)", "sum": "sum(noi)", "avg": "avg(noi)", "min": "min(noi)",
    "max": "max(noi)", "row_number": "row_number() OVER (ORDER BY noi)",
    "rank": "rank() OVER (ORDER BY noi)", "dense_rank": "dense_rank() OVER (ORDER BY noi)",
    "ntile": "ntile(4) OVER (ORDER BY noi)", "lag": "lag(noi) OVER (ORDER BY period)",
    "lead": "lead(noi, 1) OVER (ORDER BY period)",
    "first_value": "first_value(noi) OVER (ORDER BY period)",
    "last_value": "last_value(noi) OVER (ORDER BY period)",
    "nth_value": "nth_value(noi, 2) OVER (ORDER BY period)",
    "percent_rank": "percent_rank() OVER (ORDER BY noi)",
    "cume_dist": "cume_dist() OVER (ORDER BY noi)", "abs": "abs(noi)", "round": "round(noi)",
    "ceil": "ceil(noi)", "ceiling": "ceiling(noi)", "floor": "floor(noi)",
    "sqrt": "sqrt(abs(noi))", "power": "power(occupancy, 2)", "exp": "exp(occupancy)",
    "ln": "ln(abs(noi) + 1)", "log": "log(abs(noi) + 1)", "log10": "log10(abs(noi) + 1)",
    "sign": "sign(noi)", "mod": "mod(7, 3)", "trunc": "trunc(noi)", "pi": "pi()",
    "radians": "radians(occupancy)", "degrees": "degrees(occupancy)", "sin": "sin(occupancy)",
    "cos": "cos(occupancy)", "tan": "tan(occupancy)", "asin": "asin(occupancy)",
    "acos": "acos(occupancy)", "atan": "atan(occupancy)", "atan2": "atan2(occupancy, 1)",
    "coalesce": "coalesce(noi, 0)", "nullif": "nullif(noi, 0)", "length": "length(property_id)",
    "lower": "lower(property_id)", "upper": "upper(property_id)", "trim": "trim(property_id)",
    "ltrim": "ltrim(property_id)", "rtrim": "rtrim(property_id)",
    "replace": "replace(property_id, '_', ' ')", "substr": "substr(property_id, 1, 3)",
    "substring": "substring(property_id, 1, 3)",
    # SQLite
    "ifnull": "ifnull(noi, 0)", "iif": "iif(noi > 0, 1, 0)", "instr": "instr(property_id, 'a')",
    "total": "total(noi)", "group_concat": "group_concat(property_id)", "date": "date(period)",
    "datetime": "datetime(period)", "strftime": "strftime('%Y', period)",
    "julianday": "julianday(period)", "char": "char(65)", "unicode": "unicode(property_id)",
    # PostgreSQL
    "greatest": "greatest(noi, capex)", "least": "least(noi, capex)",
    "strpos": "strpos(property_id, 'a')", "position": "position('a' IN property_id)",
    "string_agg": "string_agg(property_id, ',')", "concat": "concat(property_id, 'x')",
    "left": "left(property_id, 2)", "right": "right(property_id, 2)",
    "initcap": "initcap(property_id)", "split_part": "split_part(property_id, '_', 1)",
    "char_length": "char_length(property_id)", "date_trunc": "date_trunc('month', period)",
    "date_part": "date_part('year', period)", "to_char": "to_char(period, 'YYYY-MM')",
    "make_date": "make_date(2025, 1, 1)", "age": "age(period)", "now": "now()",
    "cbrt": "cbrt(noi)", "div": "div(7, 2)", "stddev": "stddev(noi)",
    "stddev_samp": "stddev_samp(noi)", "stddev_pop": "stddev_pop(noi)",
    "variance": "variance(noi)", "var_samp": "var_samp(noi)", "var_pop": "var_pop(noi)",
    "percentile_cont": "percentile_cont(0.5) WITHIN GROUP (ORDER BY noi)",
    "percentile_disc": "percentile_disc(0.5) WITHIN GROUP (ORDER BY noi)",
    "bool_and": "bool_and(noi > 0)", "bool_or": "bool_or(noi > 0)",
}  # fmt: skip


def function_query(name: str) -> str:
    return (
        f"SELECT {FUNCTION_EXAMPLES[name]} AS v FROM financials "
        "GROUP BY property_id, period, noi, capex, occupancy"
    )


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_accepted_function_has_an_example(dialect: str) -> None:
    assert set(sqlguard.FUNCTIONS[dialect]) <= set(FUNCTION_EXAMPLES)
    for name in sqlguard.FUNCTIONS[dialect]:
        assert sqlguard.sql_problems(function_query(name), dialect) == [], name


def test_every_function_accepted_on_sqlite_runs_there(sample_db_url: str) -> None:
    for name in sorted(sqlguard.FUNCTIONS["sqlite"]):
        assert isinstance(db.query_database(function_query(name)), pd.DataFrame), name


@pytest.mark.postgres
def test_every_function_accepted_on_postgres_runs_there(
    pg_sample_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("META_AGENT_DATABASE_URL", pg_sample_url)
    for name in sorted(sqlguard.FUNCTIONS["postgres"]):
        assert isinstance(db.query_database(function_query(name)), pd.DataFrame), name


def test_a_function_of_the_other_dialect_is_refused_naming_what_is_accepted() -> None:
    message = sqlguard.sql_problem(function_query("date_trunc"), "sqlite")
    assert message is not None
    assert "date_trunc()" in message and "strftime" in message and "CASE" in message


def test_the_guard_tables_are_the_schema_tables() -> None:
    from meta_agent.portfolio.schema import metadata

    in_schema = {
        table.name: tuple(column.name for column in table.columns)
        for table in metadata.sorted_tables
        if table.name != "portfolio_meta"
    }
    assert in_schema == sqlguard.TABLES


def test_dialect_names(monkeypatch: pytest.MonkeyPatch) -> None:
    assert sqlguard.dialect_in_force() == "sqlite"
    monkeypatch.setenv("META_AGENT_DATABASE_URL", "postgresql://u@h/db")
    assert sqlguard.dialect_in_force() == "postgres"
    monkeypatch.setenv("META_AGENT_DATABASE_URL", "mysql://u@h/db")
    assert sqlguard.dialect_in_force() == "sqlite"
    assert sqlguard.dialect_of_url("sqlite:////tmp/x.db") == "sqlite"
    assert sqlguard.dialect_of_url("postgresql+psycopg://u@h/db") == "postgres"
    assert sqlguard.normalize_dialect("postgresql") == "postgres"
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        sqlguard.dialect_of_url("mysql://u@h/db")


def test_the_validator_judges_in_the_dialect_of_the_database_in_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = script_for(Case("SELECT date_trunc('year', period) AS y FROM financials", False, True))
    assert [f.rule for f in ScriptValidator(default_registry()).validate(source)] == ["sql"] * 2
    monkeypatch.setenv("META_AGENT_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/none")
    assert ScriptValidator(default_registry()).validate(source) == []


def test_non_strings_are_refused() -> None:
    with pytest.raises(TypeError):
        sqlguard.check_select(42)  # type: ignore[arg-type]
    assert sqlguard.sql_problems(42) != []  # type: ignore[arg-type]


def test_importing_the_guard_does_not_import_sqlglot() -> None:
    code = textwrap.dedent(
        """
        import sys
        import meta_agent.portfolio.sqlguard
        import meta_agent.scripting.validate
        assert "sqlglot" not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- any text -----------------------------------------------------------------------------------

FRAGMENTS = [
    "SELECT", "*", "FROM", "properties", "loans", "sqlite_master", "pg_class", ";", "/*", "*/",
    "--", "\n", "'", '"', "(", ")", ",", ".", "pragma_table_info", "WITH", "RECURSIVE", "AS",
    "x", "name", ":p", "?", "UNION", "1", "$$", "E'", "\\", "::", "DELETE", "RETURNING", "INTO",
    "count", "upper", "load_extension", "WHERE", "=", "||", "ORDER BY", "LIMIT", "é", "\u00a0",
    "`", "[", "]", "%", "$1", "JOIN", "ON", "t", "FOR UPDATE", "ATTACH", "PRAGMA", "::date",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(["", "SELECT ", "SELECT name FROM properties "]),
    parts=st.lists(st.sampled_from(FRAGMENTS), max_size=10),
    joiner=st.sampled_from(["", " "]),
    dialect=st.sampled_from(DIALECTS),
)
def test_any_text_gets_a_verdict_and_what_runs_is_itself_accepted(
    prefix: str, parts: list[str], joiner: str, dialect: str
) -> None:
    query = prefix + joiner.join(parts)
    problems = sqlguard.sql_problems(query, dialect)
    assert all(isinstance(p, str) and p for p in problems)
    if problems:
        with pytest.raises(UnsafeQuery):
            sqlguard.check_select(query, dialect)
        return
    checked = sqlguard.check_select(query, dialect)
    runs = checked.sql.replace("\\:", ":")
    assert sqlguard.check_select(runs, dialect) == checked


# --- SQLite's own view: the authorizer ---------------------------------------------------------

BYPASSING_THE_GUARD = [
    "SELECT sql FROM sqlite_master",
    "SELECT * FROM pragma_database_list",
    "SELECT * FROM pragma_table_info('loans')",
    "SELECT sqlite_version() AS v",
    "SELECT load_extension('/tmp/evil.so')",
    "SELECT * FROM portfolio_meta",
    "DELETE FROM loans",
    "PRAGMA query_only = OFF",
]


@pytest.mark.parametrize("statement", BYPASSING_THE_GUARD)
def test_sqlite_refuses_what_slips_past_the_guard(sample_db_url: str, statement: str) -> None:
    import sqlalchemy as sa

    from meta_agent.portfolio import fetch

    with fetch.connect() as conn, pytest.raises(UnsafeQuery, match="SQLite refused"):
        fetch.run_select(conn, sa.text(statement))
    with fetch.connect() as conn:  # the authorizer is lifted after the statement
        assert conn.execute(sa.text("SELECT count(*) FROM sqlite_master")).scalar_one() > 0


SQL_WORDS = [
    "SELECT", "*", "FROM", "properties", "loans", "sqlite_master", "pragma_table_info",
    "pragma_database_list", ";", "/*", "*/", "--", "\n", "'x'", '"sqlite_master"', "(", ")", ",",
    ".", "WITH", "AS", "t", "name", "sql", "UNION", "1", "count", "upper", "load_extension",
    "WHERE", "=", "||", "ORDER BY", "LIMIT", "JOIN", "ON", "main", "temp", "INDEXED BY",
    "NATURAL", "USING", "(SELECT", "IN", "readfile", "sqlite_schema", "x", "GROUP BY", "CROSS",
    "LEFT", "t.", "properties.", ":p", "EXISTS", "CASE", "WHEN", "THEN", "END", "rowid", "oid",
    "like", "'%a%'", "max", "noi", "financials",
]  # fmt: skip


def test_what_the_guard_accepts_sqlite_authorizes(sample_db_path: Any) -> None:
    """Differential check on random text: every query the guard accepts compiles in SQLite
    under the authorizer (it reads only portfolio tables and calls only listed functions)."""
    import random
    import sqlite3

    rng = random.Random(7)
    conn = sqlite3.connect(f"file:{sample_db_path}?mode=ro", uri=True)
    conn.set_authorizer(sqlguard.sqlite_authorizer())
    accepted = 0
    for _ in range(6000):
        query = rng.choice(["", "SELECT ", "SELECT name FROM properties ", "SELECT * FROM "])
        query += rng.choice(["", " "]).join(rng.choices(SQL_WORDS, k=rng.randint(0, 6)))
        if sqlguard.sql_problems(query, "sqlite"):
            continue
        accepted += 1
        checked = sqlguard.check_select(query, "sqlite")
        try:
            conn.execute(checked.sql.replace("\\:", ":"), dict.fromkeys(checked.parameters, 1))
        except sqlite3.DatabaseError as exc:
            assert "not authorized" not in str(exc) and "prohibited" not in str(exc), query
    conn.close()
    assert accepted > 300


def _relations(plan: Any) -> set[tuple[str, str]]:
    """(schema, table) of every relation a PostgreSQL JSON plan reads."""
    found: set[tuple[str, str]] = set()
    if isinstance(plan, dict):
        if "Relation Name" in plan:
            found.add((plan.get("Schema", ""), plan["Relation Name"]))
        for value in plan.values():
            found |= _relations(value)
    elif isinstance(plan, list):
        for value in plan:
            found |= _relations(value)
    return found


@pytest.mark.postgres
def test_what_the_guard_accepts_postgres_plans_over_portfolio_tables_only(
    pg_sample_url: str,
) -> None:
    """Differential check on random text: PostgreSQL's own plan of every query the guard
    accepts reads only the portfolio tables (EXPLAIN VERBOSE names each relation)."""
    import random

    import sqlalchemy as sa

    rng = random.Random(11)
    engine = sa.create_engine(pg_sample_url)
    accepted = planned = 0
    with engine.connect() as conn:
        for _ in range(4000):
            query = rng.choice(["", "SELECT ", "SELECT name FROM properties ", "SELECT * FROM "])
            query += rng.choice(["", " "]).join(rng.choices(SQL_WORDS, k=rng.randint(0, 6)))
            if sqlguard.sql_problems(query, "postgres"):
                continue
            accepted += 1
            checked = sqlguard.check_select(query, "postgres")
            statement = sa.text("EXPLAIN (VERBOSE, FORMAT JSON) " + checked.sql)
            try:
                with conn.begin_nested():
                    plan = conn.execute(statement, dict.fromkeys(checked.parameters, 1)).scalar()
            except sa.exc.DBAPIError:
                continue  # not valid SQL to PostgreSQL: it runs nothing
            planned += 1
            assert _relations(plan) <= {("public", table) for table in sqlguard.TABLES}, query
    engine.dispose()
    assert accepted > 300 and planned > 100
