"""One corpus of SQL for the guard, fed to the validator and to the database tools alike.

Each ``Case`` says whether the guard accepts the query on SQLite and on PostgreSQL. Accepted
queries must also run on the real database (the sample portfolio); refused ones must be refused
by the validator (a ``sql`` finding) and by the tools (UnsafeQuery) with the same verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from meta_agent.planning.analysis_recipes import RECENT_NOI_QUERY


@dataclass(frozen=True)
class Case:
    """A query, its parameters, and the guard's verdict on each dialect."""

    query: str
    sqlite: bool
    postgres: bool
    params: dict[str, Any] = field(default_factory=dict)
    # A word the refusal must mention (what was wrong), checked on each refusing dialect.
    mentions: str = ""

    def accepted(self, dialect: str) -> bool:
        return self.sqlite if dialect == "sqlite" else self.postgres


def ok(query: str, **params: Any) -> Case:
    return Case(query, True, True, params)


def no(query: str, mentions: str = "") -> Case:
    return Case(query, False, False, mentions=mentions)


def sqlite_only(query: str, mentions: str = "") -> Case:
    return Case(query, True, False, mentions=mentions)


def postgres_only(query: str, mentions: str = "") -> Case:
    return Case(query, False, True, mentions=mentions)


# Queries the project itself sends through the guard: the executive report's recipe and
# validate_property_id (tool_library/validation_tools.py).
PROJECT_QUERIES = [
    ok(RECENT_NOI_QUERY),
    ok(
        "SELECT property_id, name FROM properties "
        "WHERE property_id IN (:raw, :slug) OR lower(name) = :name ORDER BY property_id",
        raw="orlando_fashion_square",
        slug="orlando_fashion_square",
        name="orlando fashion square",
    ),
    ok("SELECT property_id, name FROM properties ORDER BY property_id"),
]

ACCEPTED = [
    ok("SELECT * FROM properties"),
    ok("select property_id, noi from financials where property_id >= :start;", start="m"),
    ok("SELECT count(*) AS n FROM properties"),
    ok("SELECT name FROM properties WHERE name LIKE '%Plaza%'"),
    ok("SELECT 'it''s; DROP TABLE loans' AS text"),
    ok("SELECT 'a:b' AS colon, '50%' AS percent FROM properties LIMIT 1"),
    ok("SELECT name AS \"display:name\" FROM properties LIMIT 1"),
    ok('SELECT "name" FROM properties'),
    ok("SELECT count(*) -- how many\nFROM properties"),
    ok("SELECT/**/count(*) AS n FROM properties"),
    ok("SELECT 1 AS one /* a comment; DROP TABLE loans */"),
    ok("SELECT 1.5e3 AS a, .5 AS b, 10 AS c FROM properties LIMIT 2 OFFSET 1"),
    ok("SELECT CASE WHEN noi > 0 THEN 'positive' ELSE 'not' END AS sign FROM financials"),
    ok("SELECT CAST(noi AS INTEGER) AS whole, CAST(year_built AS TEXT) AS y FROM financials, "
       "properties WHERE financials.property_id = properties.property_id LIMIT 3"),
    ok("SELECT property_id FROM loans WHERE property_id IN :ids", ids=["alder_plaza", "x"]),
    ok("SELECT * FROM loans WHERE current_balance BETWEEN :low AND :high", low=1, high=1e9),
    ok("SELECT p.name, l.lender FROM properties p JOIN loans l ON l.property_id = p.property_id"),
    ok("SELECT p.name FROM properties p LEFT JOIN valuations v USING (property_id) "
       "WHERE v.value IS NULL"),
    ok("SELECT p.* FROM properties p WHERE EXISTS "
       "(SELECT 1 FROM loans l WHERE l.property_id = p.property_id)"),
    ok("SELECT market, property_type, avg(avg_cap_rate) AS cap FROM market_data "
       "GROUP BY market, property_type HAVING count(*) > 1 ORDER BY cap DESC"),
    ok("SELECT name FROM properties UNION SELECT lender FROM loans ORDER BY 1"),
    ok("SELECT property_id FROM properties EXCEPT SELECT property_id FROM loans"),
    ok("SELECT property_id FROM properties INTERSECT SELECT property_id FROM valuations"),
    ok("WITH t AS (SELECT 1 AS x) SELECT x FROM t"),
    ok("WITH t(a, b) AS (SELECT 1, 2) SELECT a + b AS c FROM t"),
    ok("WITH t12 AS (SELECT f.property_id, SUM(f.noi) AS noi FROM financials f "
       "GROUP BY f.property_id), ds AS (SELECT property_id, SUM(annual_debt_service) AS ds "
       "FROM loans GROUP BY property_id) SELECT p.property_id, t12.noi / NULLIF(ds.ds, 0) AS "
       "dscr, ROW_NUMBER() OVER (PARTITION BY p.market ORDER BY t12.noi DESC) AS rk FROM "
       "properties p JOIN t12 ON t12.property_id = p.property_id LEFT JOIN ds ON "
       "ds.property_id = p.property_id WHERE p.property_type IN ('retail', 'office') "
       "ORDER BY dscr LIMIT 20"),
    ok("WITH loans AS (SELECT property_id FROM properties) SELECT * FROM loans"),
    ok("SELECT property_id, period, avg(noi) OVER (PARTITION BY property_id ORDER BY period "
       "ROWS BETWEEN 11 PRECEDING AND CURRENT ROW) AS rolling FROM financials"),
    ok("SELECT property_id, noi - lag(noi) OVER (PARTITION BY property_id ORDER BY period) "
       "AS change FROM financials"),
    ok("SELECT sum(noi) FILTER (WHERE noi > 0) AS positive FROM financials"),
    ok("SELECT count(DISTINCT property_id) AS n FROM loans"),
    ok("SELECT x.n FROM (SELECT count(*) AS n FROM loans) AS x"),
    ok("SELECT property_id FROM properties WHERE units IS NOT NULL AND NOT (state = 'TX')"),
    ok("SELECT name || ' (' || city || ')' AS label FROM properties"),
    ok("SELECT coalesce(units, 0) AS units, round(CAST(latitude AS NUMERIC), 2) AS lat "
       "FROM properties"),
    ok("SELECT sum(annual_debt_service) / sum(current_balance) AS ratio FROM loans"),
    ok("SELECT CURRENT_DATE AS today"),
    ok("SELECT * FROM properties WHERE property_id = :pid", pid="x' OR '1'='1"),
    ok("SELECT name FROM properties WHERE name = 'Café Plaza'"),
    sqlite_only("SELECT strftime('%Y', period) AS y, count(*) AS n FROM financials GROUP BY 1"),
    sqlite_only("SELECT date(period, '+1 month') AS next FROM financials LIMIT 1"),
    sqlite_only("SELECT ifnull(units, 0) AS u, iif(units > 0, 1, 0) AS has FROM properties"),
    sqlite_only("SELECT group_concat(property_id) AS ids FROM loans"),
    postgres_only("SELECT EXTRACT(YEAR FROM period) AS y FROM financials", mentions="extract"),
    postgres_only("SELECT date_trunc('year', period) AS y FROM financials"),
    postgres_only("SELECT period::date AS d FROM financials", mentions="CAST(value AS type)"),
    Case("SELECT :day::date AS d", False, True, {"day": "2025-01-01"}, "CAST(value AS type)"),
    postgres_only("SELECT period + INTERVAL '1 month' AS next FROM financials"),
    postgres_only("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY noi) AS m FROM financials"),
    postgres_only("SELECT greatest(noi, capex) AS g, string_agg(property_id, ',') AS s "
                  "FROM financials GROUP BY noi, capex LIMIT 1"),
    postgres_only("SELECT name FROM properties WHERE name ILIKE '%plaza%'"),
]  # fmt: skip

REFUSED = [
    # not a SELECT, or more than one statement
    no("", mentions="empty"),
    no("   ;  ", mentions="empty"),
    no("-- only a comment", mentions="empty"),
    no("SELECT", mentions="nothing to return"),
    no("SELECT FROM properties", mentions="nothing to return"),
    no("DROP TABLE loans", mentions="DROP"),
    no("DELETE FROM loans", mentions="DELETE"),
    no("UPDATE properties SET name = 'x'", mentions="UPDATE"),
    no("INSERT INTO loans VALUES (1)", mentions="INSERT"),
    no("REPLACE INTO portfolio_meta VALUES ('a', 'b')"),
    no("SELECT 1; DROP TABLE loans", mentions="one statement"),
    no("SELECT 1;;", mentions="one statement"),
    no("(SELECT 1 AS one)", mentions="parentheses"),
    no("SELECT 1; -- comment\nDELETE FROM loans", mentions="one statement"),
    no("SELECT 1 /* hide */ ; DELETE FROM loans", mentions="one statement"),
    no("SELECT * FROM loans /* ; */ ; DROP TABLE loans", mentions="one statement"),
    no("SELECT 1 UNION SELECT 2; UPDATE loans SET lender = 'x'", mentions="one statement"),
    no("SELECT * FROM loans WHERE loan_id = '' ; UPDATE loans SET current_balance = 0 --'"),
    no("PRAGMA writable_schema = 1", mentions="PRAGMA"),
    no("PRAGMA query_only = OFF", mentions="PRAGMA"),
    no("ATTACH DATABASE '/tmp/x.db' AS x"),
    no("VACUUM", mentions="VACUUM"),
    no("COPY loans TO '/tmp/loans.csv'"),
    no("SET default_transaction_read_only = off"),
    no("BEGIN READ WRITE"),
    no("EXPLAIN ANALYZE DELETE FROM loans"),
    # writes and side effects inside a SELECT
    no("WITH gone AS (DELETE FROM loans RETURNING *) SELECT * FROM gone", mentions="RETURNING"),
    no("SELECT * INTO stolen FROM loans", mentions="INTO"),
    no("SELECT * FROM loans FOR UPDATE", mentions="FOR UPDATE"),
    no("SELECT * FROM loans FOR SHARE", mentions="FOR UPDATE"),
    # the catalogue, other schemas, table-valued functions
    no("SELECT sql FROM sqlite_master", mentions="sqlite_master"),
    no("SELECT name FROM sqlite_schema", mentions="sqlite_schema"),
    no('SELECT * FROM "sqlite_master"', mentions="sqlite_master"),
    no("SELECT * FROM main.sqlite_master", mentions="schema-qualified"),
    no("SELECT * FROM main.properties", mentions="schema-qualified"),
    no("SELECT * FROM temp.sqlite_temp_master"),
    no("SELECT * FROM pragma_database_list", mentions="pragma_database_list"),
    no("SELECT * FROM pragma_table_info('loans')", mentions="pragma_table_info"),
    no("SELECT name FROM pragma_table_list()", mentions="pragma_table_list"),
    no("SELECT file FROM pragma_database_list()", mentions="pragma_database_list"),
    no("SELECT * FROM properties, pragma_index_list('loans')", mentions="pragma_index_list"),
    no("SELECT * FROM information_schema.tables", mentions="schema-qualified"),
    no("SELECT * FROM pg_catalog.pg_authid", mentions="schema-qualified"),
    no("SELECT relname FROM pg_class", mentions="pg_class"),
    no('SELECT * FROM "pg_shadow"', mentions="pg_shadow"),
    no("SELECT * FROM portfolio_meta", mentions="portfolio_meta"),
    no("SELECT * FROM generate_series(1, 1000000000)", mentions="generate_series"),
    no("SELECT * FROM json_each('[1, 2]')", mentions="json_each"),
    no("SELECT * FROM upper('x')", mentions="table-valued"),
    # sqlglot reads "properties *" as PostgreSQL's inheritance star and the call as an alias:
    # the check of the text's calls refuses it whatever the tree says.
    no("SELECT name FROM properties * load_extension('x')", mentions="load_extension"),
    no("SELECT name FROM properties AS readfile(a)", mentions="readfile"),
    no("SELECT * FROM (WITH sqlite_master AS (SELECT 1 AS x) SELECT * FROM sqlite_master) q, "
       "sqlite_master", mentions="sqlite_master"),
    no("WITH b AS (SELECT * FROM sqlite_master), sqlite_master AS (SELECT 1 AS x) "
       "SELECT * FROM b", mentions="sqlite_master"),
    no('SELECT * FROM "Properties"', mentions="Properties"),
    no("SELECT rowid FROM properties", mentions="rowid"),
    no("SELECT sqlite_master.sql FROM properties", mentions="sqlite_master"),
    # functions outside the list
    no("SELECT load_extension('evil')", mentions="load_extension"),
    no("SELECT pg_read_file('/etc/passwd')", mentions="pg_read_file"),
    no("SELECT pg_sleep(100)", mentions="pg_sleep"),
    no("SELECT set_config('default_transaction_read_only', 'off', false)", mentions="set_config"),
    no("SELECT current_setting('data_directory')", mentions="current_setting"),
    no("SELECT query_to_xml('DELETE FROM loans', true, true, '')", mentions="query_to_xml"),
    no("SELECT dblink_exec('host=evil', 'DROP TABLE x')", mentions="dblink_exec"),
    no("SELECT readfile('/etc/passwd')", mentions="readfile"),
    no("SELECT sqlite_version()", mentions="sqlite_version"),
    no("SELECT version()", mentions="version"),
    no("SELECT randomblob(1000000000)", mentions="randomblob"),
    no("SELECT zeroblob(1000000000)", mentions="zeroblob"),
    no("SELECT repeat('x', 1000000000)", mentions="repeat"),
    no("SELECT printf('%.*c', 1000000000, 'x')", mentions="printf"),
    no("SELECT lpad('x', 1000000000)", mentions="lpad"),
    no("SELECT pg_catalog.upper(name) FROM properties"),
    no("SELECT \"load_extension\"('evil')", mentions="load_extension"),
    no("SELECT CAST(name AS regclass) FROM properties", mentions="regclass"),
    no("SELECT 'pg_authid'::regclass"),
    no("SELECT CAST(name AS BLOB) FROM properties", mentions="CAST"),
    no("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r",
       mentions="RECURSIVE"),
    # parameters the tools do not bind
    no("SELECT ? FROM loans"),
    no("SELECT * FROM loans WHERE loan_id = $1"),
    no("SELECT * FROM loans WHERE loan_id = %(id)s"),
    # lexical forms read differently by the engines, unicode and control characters
    no("SELECT E'\\'' ; DROP TABLE t; --'"),
    no("SELECT '\\' AS a; DROP TABLE loans; --'"),
    no("SELECT `x'` ; DROP TABLE t; --'"),
    no("SELECT [x'] ; DROP TABLE t; --']"),
    no("SELECT $$ ; DROP TABLE t; $$"),
    no("SELECT $tag$ x $tag$"),
    no("SELECT X'41'"),
    no("SELECT 1 /* never closed"),
    no("SELECT 'never closed"),
    no('SELECT "never closed'),
    no("select 1\x00; drop table loans", mentions="control"),
    no("SELECT * FROM sqlite_mas\u0442er"),
    no("SELECT * FROM properties\u037e DROP TABLE loans"),
    no("SELECT name FROM properties\u200b"),
    no("SELECT 1 AS one\uff1b DROP TABLE loans"),
    no("SELECT 1 AS one \u202e; DROP TABLE loans"),
    no("SELECT * FROM\u00a0sqlite_master"),
    no("SELECT " + "1 + " * 6000 + "1", mentions="longer than"),
    # PostgreSQL nests block comments (all of it is one comment), SQLite does not (two statements)
    Case("SELECT 1 AS one /* /* */ ; DROP TABLE loans; -- */", sqlite=False, postgres=True),
]  # fmt: skip

CORPUS = PROJECT_QUERIES + ACCEPTED + REFUSED
