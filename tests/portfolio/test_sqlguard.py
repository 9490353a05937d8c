"""The SELECT-only validator: what passes, what is refused, and what actually runs."""

from __future__ import annotations

import pytest

from meta_agent.errors import UnsafeQuery
from meta_agent.portfolio.sqlguard import check_select, tokenize

ACCEPTED = [
    ("SELECT 1", "SELECT 1"),
    ("select * from properties;", "select * from properties"),
    ("SELECT name FROM properties WHERE name LIKE '%Plaza%'", None),
    ("WITH t AS (SELECT 1 AS x) SELECT x FROM t", None),
    ("(SELECT 1)", None),
    ("SELECT replace(name, 'a', 'b') FROM properties", None),
    ("SELECT period::date FROM financials WHERE property_id = :pid", None),
    ("SELECT 'it''s; DROP TABLE loans' AS text", None),
    ('SELECT "name" FROM properties', None),
    ("SELECT count(*) -- how many\nFROM properties", "SELECT count(*)  \nFROM properties"),
    ("SELECT/**/1", "SELECT 1"),
    ("SELECT CASE WHEN noi > 0 THEN 1 ELSE 0 END FROM financials", None),
    ("SELECT 1.5e3, .5, 10 FROM properties", None),
]

REFUSED = [
    "DROP TABLE loans",
    "DELETE FROM loans",
    "UPDATE properties SET name = 'x'",
    "INSERT INTO loans VALUES (1)",
    "SELECT 1; DROP TABLE loans",
    "SELECT 1; -- comment\nDELETE FROM loans",
    "SELECT 1 /* hide */ ; DELETE FROM loans",
    "SELECT 1;;",
    "WITH gone AS (DELETE FROM loans RETURNING *) SELECT * FROM gone",
    "SELECT * INTO stolen FROM loans",
    "REPLACE INTO portfolio_meta VALUES ('a', 'b')",
    "ATTACH DATABASE '/tmp/x.db' AS x",
    "PRAGMA writable_schema = 1",
    "COPY loans TO '/tmp/loans.csv'",
    "SELECT * FROM loans FOR UPDATE",
    "SELECT * FROM loans FOR SHARE",
    "SELECT load_extension('evil')",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT * FROM pg_catalog.pg_authid",
    'SELECT * FROM "pg_shadow"',
    "SELECT sql FROM sqlite_master",
    "SELECT pg_sleep(100)",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "SET default_transaction_read_only = off",
    "BEGIN READ WRITE",
    "SELECT E'\\'' ; DROP TABLE t; --'",
    "SELECT `x'` ; DROP TABLE t; --'",
    "SELECT [x'] ; DROP TABLE t; --']",
    "SELECT $$ ; DROP TABLE t; $$",
    "SELECT ? FROM loans",
    "SELECT 1 /* never closed",
    "SELECT 'never closed",
    'SELECT "never closed',
    "",
    "   ;  ",
    "-- only a comment",
    "VACUUM",
    "EXPLAIN ANALYZE DELETE FROM loans",
    "SELECT 1 UNION SELECT 2; UPDATE loans SET lender = 'x'",
    "select 1\x00; drop table loans",
]


@pytest.mark.parametrize(("query", "runs"), ACCEPTED)
def test_accepted_queries(query: str, runs: str | None) -> None:
    checked = check_select(query)
    if runs is not None:
        assert checked.sql == runs
    assert ";" not in checked.sql or "'" in checked.sql


@pytest.mark.parametrize("query", REFUSED)
def test_refused_queries(query: str) -> None:
    with pytest.raises(UnsafeQuery):
        check_select(query)


def test_parameters_are_collected_and_casts_are_not_parameters() -> None:
    checked = check_select("SELECT x::text FROM t WHERE a = :first AND b IN :many")
    assert checked.parameters == frozenset({"first", "many"})


def test_comments_never_reach_the_database() -> None:
    checked = check_select("SELECT 1 /* DROP TABLE loans */ -- DELETE FROM loans")
    assert checked.sql == "SELECT 1"
    kinds = [t.kind for t in tokenize("SELECT 1 -- x")]
    assert "comment" in kinds


def test_overlong_queries_are_refused() -> None:
    with pytest.raises(UnsafeQuery, match="longer than"):
        check_select("SELECT " + "1 + " * 10_000 + "1")


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        check_select(42)  # type: ignore[arg-type]
