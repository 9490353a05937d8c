"""Database tools on SQLite and PostgreSQL, checked against plain Python over the raw rows."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from meta_agent.errors import ToolError, UnknownProperty, UnsafeQuery
from meta_agent.portfolio.engine import dispose_engines
from meta_agent.portfolio.generator import generate_portfolio
from meta_agent.tool_library import database_tools as db
from meta_agent.tool_library.tool_registry import ToolRegistry

METRIC_COLUMNS = [
    "property_id", "name", "property_type", "city", "state", "market", "square_feet", "units",
    "year_built", "latitude", "longitude", "latest_period", "noi", "egi", "operating_expenses",
    "expense_ratio", "debt_service", "loan_balance", "loan_count", "value", "dscr", "cap_rate",
    "ltv", "debt_yield", "occupancy", "has_debt",
]  # fmt: skip
TOOLS = {
    "query_database", "batch_query", "fetch_portfolio_metrics", "fetch_property_data",
    "fetch_financial_data", "fetch_loans", "fetch_monthly_performance",
    "fetch_property_directory", "aggregate_data",
}  # fmt: skip
# Edits that push properties off the common path: data ending early, a gap, no statements,
# no valuation, fewer than 12 months.
IRREGULAR = (
    "DELETE FROM financials WHERE property_id = 'alder_plaza' AND period >= '2025-10-01'",
    "DELETE FROM financials WHERE property_id = 'orlando_fashion_square' AND period = '2025-06-01'",
    "DELETE FROM financials WHERE property_id = 'redwood_town_center'",
    "DELETE FROM financials WHERE property_id = 'magnolia_logistics_center' AND period < '2025-05-01'",
    "DELETE FROM valuations WHERE property_id = 'fairview_lofts'",
)  # fmt: skip
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_databases(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Lazily made PostgreSQL portfolios: "sample" (seed 42) and "irregular" (edited)."""
    made: dict[str, str] = {}
    admin: list[sa.Engine] = []

    def database(kind: str) -> str:
        if kind not in made:
            server = request.getfixturevalue("postgres_url")
            if not admin:
                admin.append(sa.create_engine(server, isolation_level="AUTOCOMMIT"))
            name = f"meta_agent_tools_{uuid.uuid4().hex[:10]}"
            with admin[0].connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = sa.make_url(server).set(database=name).render_as_string(hide_password=False)
            generate_portfolio(url, properties=60, seed=42)
            if kind == "irregular":
                edit(url, IRREGULAR)
            made[kind] = url
        return made[kind]

    yield database  # type: ignore[misc]
    dispose_engines()
    for url in made.values():
        with admin[0].connect() as conn:
            name = sa.make_url(url).database
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for engine in admin:
        engine.dispose()


@pytest.fixture(scope="module")
def irregular_sqlite(sample_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("irregular") / "portfolio.db"
    shutil.copy(sample_db_path, path)
    edit(f"sqlite:///{path}", IRREGULAR)
    return f"sqlite:///{path}"


@pytest.fixture(params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, sample_db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The sample portfolio's URL on each backend, set for the tools."""
    if request.param == "sqlite":
        url = f"sqlite:///{sample_db_path}"
    else:
        url = request.getfixturevalue("pg_databases")("sample")
    monkeypatch.setenv("META_AGENT_DATABASE_URL", url)
    return url


@pytest.fixture(params=BACKENDS)
def irregular(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A portfolio with irregular histories on each backend, set for the tools."""
    if request.param == "sqlite":
        url = request.getfixturevalue("irregular_sqlite")
    else:
        url = request.getfixturevalue("pg_databases")("irregular")
    monkeypatch.setenv("META_AGENT_DATABASE_URL", url)
    return url


def edit(url: str, statements: tuple[str, ...]) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


# --- independent computation --------------------------------------------------------------------


def raw_rows(url: str, table: str) -> list[dict[str, Any]]:
    """A table's rows through a plain engine of our own, dates as date objects."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")).mappings()]
    engine.dispose()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and key in ("period", "valuation_date"):
                row[key] = dt.date.fromisoformat(value)
    return rows


def expected_metrics(url: str) -> dict[str, dict[str, Any]]:
    """DOMAIN.md's metrics per property, in plain Python."""
    months: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in raw_rows(url, "financials"):
        months[row["property_id"]].append(row)
    loans: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in raw_rows(url, "loans"):
        loans[row["property_id"]].append(row)
    latest_value: dict[str, tuple[dt.date, float]] = {}
    for row in raw_rows(url, "valuations"):
        seen = latest_value.get(row["property_id"])
        if seen is None or row["valuation_date"] > seen[0]:
            latest_value[row["property_id"]] = (row["valuation_date"], row["value"])
    result = {}
    for prop in raw_rows(url, "properties"):
        pid = prop["property_id"]
        history = sorted(months[pid], key=lambda r: r["period"])
        t12 = history[-12:]
        noi = sum(r["noi"] for r in t12) if t12 else None
        egi = sum(r["effective_gross_income"] for r in t12) if t12 else None
        opex = sum(r["operating_expenses"] for r in t12) if t12 else None
        service = sum(loan["annual_debt_service"] for loan in loans[pid])
        balance = sum(loan["current_balance"] for loan in loans[pid])
        value = latest_value[pid][1] if pid in latest_value else None

        def ratio(top: float | None, bottom: float | None) -> float | None:
            return top / bottom if top is not None and bottom else None

        result[pid] = {
            "name": prop["name"],
            "latest_period": history[-1]["period"] if history else None,
            "noi": noi, "egi": egi, "operating_expenses": opex,
            "expense_ratio": ratio(opex, egi),
            "debt_service": service, "loan_balance": balance, "loan_count": len(loans[pid]),
            "value": value, "dscr": ratio(noi, service), "cap_rate": ratio(noi, value),
            "ltv": ratio(balance, value) if value else None, "debt_yield": ratio(noi, balance),
            "occupancy": history[-1]["occupancy"] if history else None,
            "has_debt": service > 0,
        }  # fmt: skip
    return result


def same(found: Any, wanted: Any) -> bool:
    if wanted is None:
        return found is None or found is pd.NaT or (isinstance(found, float) and math.isnan(found))
    if isinstance(wanted, float):
        return math.isclose(found, wanted, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(wanted, dt.date):
        return pd.Timestamp(found).date() == wanted
    return bool(found == wanted)


def assert_metrics_match(url: str, frame: pd.DataFrame) -> None:
    expected = expected_metrics(url)
    assert list(frame["property_id"]) == sorted(expected)
    for row in frame.to_dict("records"):
        for column, wanted in expected[row["property_id"]].items():
            assert same(row[column], wanted), (row["property_id"], column, row[column], wanted)


# --- fetch_portfolio_metrics ----------------------------------------------------------------------


def test_metrics_match_plain_python_over_the_raw_rows(backend: str) -> None:
    metrics = db.fetch_portfolio_metrics()
    assert list(metrics.columns) == METRIC_COLUMNS
    assert len(metrics) == 60
    assert_metrics_match(backend, metrics)


def test_irregular_histories_take_the_exact_path(irregular: str) -> None:
    metrics = db.fetch_portfolio_metrics().set_index("property_id")
    assert_metrics_match(irregular, metrics.reset_index())
    assert metrics.loc["alder_plaza", "latest_period"] == pd.Timestamp("2025-09-01")
    assert math.isnan(metrics.loc["redwood_town_center", "noi"])
    assert pd.isna(metrics.loc["redwood_town_center", "latest_period"])
    assert math.isnan(metrics.loc["fairview_lofts", "cap_rate"])
    assert math.isnan(metrics.loc["fairview_lofts", "ltv"])


def test_metric_types_and_undefined_values(backend: str) -> None:
    metrics = db.fetch_portfolio_metrics()
    assert metrics["has_debt"].dtype == bool and metrics["loan_count"].dtype == "int64"
    assert pd.api.types.is_datetime64_any_dtype(metrics["latest_period"])
    assert str(metrics["units"].dtype) == "Int64"
    no_debt = metrics[~metrics["has_debt"]]
    assert 4 <= len(no_debt) <= 8
    assert no_debt["dscr"].isna().all() and no_debt["debt_yield"].isna().all()
    assert (no_debt["debt_service"] == 0).all() and (no_debt["loan_count"] == 0).all()
    assert metrics.loc[metrics["has_debt"], "dscr"].notna().all()
    assert (metrics["dscr"] < 1.25).sum() >= 5


def test_metrics_filters_are_bind_parameters_with_friendly_spellings(backend: str) -> None:
    everything = db.fetch_portfolio_metrics()
    retail = db.fetch_portfolio_metrics(property_types=["Retail"])
    assert set(retail["property_type"]) == {"retail"}
    assert len(retail) == (everything["property_type"] == "retail").sum()
    orlando = db.fetch_portfolio_metrics(markets=["Orlando"])
    assert list(orlando["market"].unique()) == ["Orlando, FL"]
    assert orlando.equals(db.fetch_portfolio_metrics(markets=["orlando,fl"]))
    texas = db.fetch_portfolio_metrics(states=["Texas"])
    assert set(texas["state"]) == {"TX"} and texas.equals(db.fetch_portfolio_metrics(states=["tx"]))
    dallas = db.fetch_portfolio_metrics(cities=["dallas"], property_types=["office"])
    assert set(dallas["city"]) == {"Dallas"} and set(dallas["property_type"]) <= {"office"}
    one = db.fetch_portfolio_metrics(property_ids=["orlando_fashion_square"])
    assert list(one["name"]) == ["Orlando Fashion Square"]
    pd.testing.assert_frame_equal(
        one.reset_index(drop=True),
        everything[everything["property_id"] == "orlando_fashion_square"].reset_index(drop=True),
    )
    # a market with no hotels is an empty answer, not an error
    assert db.fetch_portfolio_metrics(markets=["Orlando"], property_types=["hotel"]).empty


def test_unknown_filter_values_name_the_valid_ones(backend: str) -> None:
    with pytest.raises(ToolError, match="valid types are: retail, office"):
        db.fetch_portfolio_metrics(property_types=["castle"])
    with pytest.raises(UnknownProperty, match="Closest: orlando_fashion_square"):
        db.fetch_portfolio_metrics(property_ids=["orlando_fashion_sq"])
    with pytest.raises(ToolError, match="Orlando, FL"):
        db.fetch_portfolio_metrics(markets=["Paris"])
    with pytest.raises(ToolError, match="TX"):
        db.fetch_portfolio_metrics(states=["Ontario"])
    with pytest.raises(ToolError):
        db.fetch_portfolio_metrics(property_ids=[42])  # type: ignore[list-item]


def test_injection_through_filters_is_just_a_value(backend: str) -> None:
    with pytest.raises(UnknownProperty):
        db.fetch_portfolio_metrics(property_ids=["x' OR '1'='1"])
    with pytest.raises(ToolError):
        db.fetch_portfolio_metrics(markets=["Orlando'; DROP TABLE loans; --"])
    assert len(db.fetch_loans()) > 0


# --- the other readers --------------------------------------------------------------------------


def test_property_data(backend: str) -> None:
    data = db.fetch_property_data("orlando_fashion_square")
    assert data["name"] == "Orlando Fashion Square" and data["address"] == "3201 E Colonial Dr"
    assert data["loans"] and all(
        loan["property_id"] == data["property_id"] for loan in data["loans"]
    )
    assert set(data["latest_valuation"]) == {"valuation_date", "value", "method"}
    expected = expected_metrics(backend)["orlando_fashion_square"]
    assert same(data["metrics"]["dscr"], expected["dscr"])
    assert isinstance(data["metrics"]["latest_period"], dt.date)
    with pytest.raises(UnknownProperty, match="Sunset Plaza Mall|sunset_plaza_mall"):
        db.fetch_property_data("sunset_plaza_mall")


def test_financial_data(backend: str) -> None:
    full = db.fetch_financial_data("orlando_fashion_square")
    assert list(full.columns[:2]) == ["period", "gross_potential_rent"] and len(full) == 36
    assert full["period"].is_monotonic_increasing
    last = db.fetch_financial_data("orlando_fashion_square", ["noi", "egi", "noi"], months=12)
    assert list(last.columns) == ["period", "noi", "effective_gross_income"]
    assert list(last["period"]) == list(full["period"].iloc[-12:])
    assert last["noi"].sum() == pytest.approx(
        expected_metrics(backend)["orlando_fashion_square"]["noi"]
    )
    with pytest.raises(UnknownProperty):
        db.fetch_financial_data("nowhere")
    with pytest.raises(ToolError, match="available"):
        db.fetch_financial_data("orlando_fashion_square", ["synergy"])
    with pytest.raises(ToolError):
        db.fetch_financial_data("orlando_fashion_square", months=0)


def test_loans(backend: str) -> None:
    loans = db.fetch_loans()
    assert list(loans.columns) == [
        "loan_id", "property_id", "name", "lender", "original_balance", "current_balance",
        "interest_rate", "amortization_months", "term_months", "origination_date",
        "maturity_date", "annual_debt_service",
    ]  # fmt: skip
    assert len(loans) == len(raw_rows(backend, "loans"))
    assert list(loans["property_id"]) == sorted(loans["property_id"])
    some = db.fetch_loans(["orlando_fashion_square"])
    assert set(some["name"]) == {"Orlando Fashion Square"}
    with pytest.raises(UnknownProperty):
        db.fetch_loans(["nowhere"])


def test_monthly_performance(backend: str) -> None:
    monthly = db.fetch_monthly_performance()
    assert list(monthly.columns) == [
        "period", "noi", "effective_gross_income", "operating_expenses", "gross_potential_rent",
        "occupancy", "property_count",
    ]  # fmt: skip
    assert len(monthly) == 36
    sizes = {p["property_id"]: p["square_feet"] for p in raw_rows(backend, "properties")}
    totals: dict[dt.date, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for row in raw_rows(backend, "financials"):
        total = totals[row["period"]]
        total[0] += row["noi"]
        total[1] += row["occupancy"] * sizes[row["property_id"]]
        total[2] += sizes[row["property_id"]]
        total[3] += 1
    for row in monthly.to_dict("records"):
        noi, weighted, area, count = totals[row["period"].date()]
        assert row["noi"] == pytest.approx(noi) and row["property_count"] == count
        assert row["occupancy"] == pytest.approx(weighted / area)
    hotels = db.fetch_monthly_performance(property_types=["hotel"], months=6)
    assert len(hotels) == 6 and hotels["period"].iloc[-1] == pd.Timestamp("2025-12-01")
    assert (
        hotels["property_count"]
        == (db.fetch_property_directory()["property_type"] == "hotel").sum()
    ).all()


def test_directory(backend: str) -> None:
    directory = db.fetch_property_directory()
    assert list(directory.columns) == [
        "property_id",
        "name",
        "property_type",
        "city",
        "state",
        "market",
    ]
    assert len(directory) == 60 and directory["property_id"].is_monotonic_increasing


# --- aggregate_data -----------------------------------------------------------------------------


def test_aggregate_matches_plain_python(backend: str) -> None:
    result = db.aggregate_data(
        "properties",
        aggregations={"square_feet": "sum", "year_built": "avg", "*": "count"},
        group_by=["property_type"],
    )
    assert list(result.columns) == ["property_type", "square_feet", "year_built", "row_count"]
    props = raw_rows(backend, "properties")
    for row in result.to_dict("records"):
        members = [p for p in props if p["property_type"] == row["property_type"]]
        assert row["square_feet"] == sum(p["square_feet"] for p in members)
        assert row["year_built"] == pytest.approx(
            sum(p["year_built"] for p in members) / len(members)
        )
        assert row["row_count"] == len(members)
    recent = db.aggregate_data(
        "financials",
        filters={"period": {">=": "2025-01-01"}, "property_id": ["orlando_fashion_square"]},
        aggregations={"noi": "sum", "period": "count"},
    )
    assert recent["noi"].iloc[0] == pytest.approx(
        expected_metrics(backend)["orlando_fashion_square"]["noi"]
    )
    assert recent["period_count"].iloc[0] == 12
    assert db.aggregate_data("properties").iloc[0, 0] == 60
    units = db.aggregate_data("properties", filters={"units": None}, aggregations={"*": "count"})
    assert units["row_count"].iloc[0] == sum(p["units"] is None for p in props)


@pytest.mark.parametrize(
    "arguments",
    [
        {"table": "properties; DROP TABLE loans"},
        {"table": "sqlite_master"},
        {"table": "properties", "group_by": ["name) FROM loans --"]},
        {"table": "properties", "aggregations": {"noi": "sum"}},
        {"table": "properties", "aggregations": {"name": "sum"}},
        {"table": "properties", "aggregations": {"square_feet": "median"}},
        {"table": "properties", "aggregations": {"square_feet": "sum); DROP TABLE loans; --"}},
        {"table": "properties", "filters": {"state": {"LIKE": "T%"}}},
        {"table": "financials", "filters": {"period": "last month"}},
    ],
)
def test_aggregate_refuses_unknown_identifiers(backend: str, arguments: dict[str, Any]) -> None:
    with pytest.raises(ToolError):
        db.aggregate_data(**arguments)


# --- free-form SQL ------------------------------------------------------------------------------


def test_query_database_with_parameters(backend: str) -> None:
    found = db.query_database(
        "SELECT property_id, name FROM properties WHERE state = :state AND property_type IN :types "
        "ORDER BY property_id",
        {"state": "TX", "types": ["office", "retail"]},
    )
    assert list(found.columns) == ["property_id", "name"] and len(found) > 0
    props = raw_rows(backend, "properties")
    assert list(found["property_id"]) == sorted(
        p["property_id"] for p in props
        if p["state"] == "TX" and p["property_type"] in ("office", "retail")
    )  # fmt: skip
    empty = db.query_database("SELECT * FROM loans WHERE loan_id = :id", {"id": "none"})
    assert empty.empty and "annual_debt_service" in empty.columns
    with pytest.raises(ToolError, match="missing: state"):
        db.query_database("SELECT * FROM properties WHERE state = :state")
    with pytest.raises(ToolError, match="not in the query: extra"):
        db.query_database("SELECT 1 AS one", {"extra": 1})
    with pytest.raises(UnsafeQuery, match="'no_such_column' that no portfolio table has"):
        db.query_database("SELECT no_such_column FROM properties")
    with pytest.raises(ToolError, match="could not run"):
        db.query_database("SELECT property_id FROM properties JOIN loans USING (property_id, x)")


INJECTIONS = [
    "DELETE FROM loans",
    "SELECT 1; DELETE FROM loans",
    "SELECT * FROM loans; DROP TABLE loans",
    "SELECT * FROM loans WHERE loan_id = '' ; UPDATE loans SET current_balance = 0 --'",
    "WITH x AS (DELETE FROM loans RETURNING *) SELECT * FROM x",
    "SELECT * INTO loans_copy FROM loans",
    "ATTACH DATABASE 'copy.db' AS copy",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT * FROM loans /* ; */ ; DROP TABLE loans",
    "PRAGMA query_only = OFF",
    "SET default_transaction_read_only = off",
]


@pytest.mark.parametrize("query", INJECTIONS)
def test_writes_and_injections_are_refused_before_the_database(backend: str, query: str) -> None:
    before = len(db.fetch_loans())
    with pytest.raises(UnsafeQuery):
        db.query_database(query)
    with pytest.raises(UnsafeQuery):
        db.batch_query([{"query": "SELECT 1 AS one"}, {"query": query}])
    assert len(db.fetch_loans()) == before


def test_a_parameter_value_is_never_sql(backend: str) -> None:
    found = db.query_database(
        "SELECT count(*) AS n FROM loans WHERE loan_id = :id", {"id": "x' OR '1'='1"}
    )
    assert found["n"].iloc[0] == 0


def test_writes_that_slip_past_validation_fail_at_the_connection(backend: str) -> None:
    from meta_agent.portfolio import fetch

    before = len(db.fetch_loans())
    with fetch.connect() as conn, pytest.raises(UnsafeQuery, match="read-only"):
        fetch.run_select(conn, sa.text("DELETE FROM loans"))
    assert len(db.fetch_loans()) == before


def test_batch_query(backend: str) -> None:
    first, second = db.batch_query(
        [
            {"query": "SELECT count(*) AS n FROM properties"},
            {
                "query": "SELECT name FROM properties WHERE property_id = :id",
                "params": {"id": "orlando_fashion_square"},
            },
        ]  # fmt: skip
    )
    assert first["n"].iloc[0] == 60 and second["name"].iloc[0] == "Orlando Fashion Square"
    with pytest.raises(ToolError):
        db.batch_query([])
    with pytest.raises(ToolError):
        db.batch_query([{"sql": "SELECT 1"}])


# --- registry -----------------------------------------------------------------------------------


def test_tools_are_registered_as_database_tools() -> None:
    registry = ToolRegistry()
    tools = {t.name: t for t in registry.register_module(db)}
    assert set(tools) == TOOLS
    for item in tools.values():
        assert item.category == "database" and item.side_effects == {"reads_database"}
        assert item.description and not item.description.endswith(":")
    assert tools["fetch_portfolio_metrics"].parameters["required"] == []
    assert tools["query_database"].parameters["required"] == ["query"]


def test_importing_the_tools_loads_no_heavy_library() -> None:
    code = (
        "import sys, meta_agent.tool_library.database_tools\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_database_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from meta_agent.errors import DatabaseError

    monkeypatch.setenv("META_AGENT_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    with pytest.raises(DatabaseError, match="meta-agent db init"):
        db.fetch_portfolio_metrics()


def test_sample_file_is_a_valid_sqlite_database(sample_db_path: Path) -> None:
    with sqlite3.connect(sample_db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
