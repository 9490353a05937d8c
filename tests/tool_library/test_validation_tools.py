"""Validation tools: property ids against the sample portfolio, schemas, planted data problems,
and metrics re-computed with DOMAIN.md's definitions."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from meta_agent.errors import ToolError, UnknownProperty
from meta_agent.tool_library.validation_tools import (
    QUALITY_COLUMNS,
    check_data_quality,
    validate_data_format,
    validate_property_id,
    verify_calculations,
)


def _read(url: str, sql: str) -> pd.DataFrame:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return pd.read_sql(sa.text(sql), conn)
    finally:
        engine.dispose()


# --- validate_property_id -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        "orlando_fashion_square",
        "  Orlando_Fashion_Square ",
        "ORLANDO-FASHION-SQUARE",
        "orlando fashion square",
        "Orlando Fashion Square",
    ],
)
def test_known_ids_are_normalised(sample_db_url: str, given: str) -> None:
    assert validate_property_id(given) == "orlando_fashion_square"


def test_every_portfolio_id_validates_as_itself(sample_db_url: str) -> None:
    ids = _read(sample_db_url, "SELECT property_id FROM properties")["property_id"]
    assert [validate_property_id(pid) for pid in ids] == list(ids)


def test_unknown_id_names_close_matches(sample_db_url: str) -> None:
    with pytest.raises(UnknownProperty, match="orlando_fashon_square") as caught:
        validate_property_id("orlando_fashon_square")
    message = str(caught.value)
    assert "Close matches: orlando_fashion_square (Orlando Fashion Square)" in message
    assert "fetch_property_directory" in message


def test_unknown_id_with_nothing_close(sample_db_url: str) -> None:
    with pytest.raises(UnknownProperty, match="60 properties") as caught:
        validate_property_id("zzzz_qqqq_xxxx_9999")
    assert "Close matches" not in str(caught.value)


@pytest.mark.parametrize(
    "given", ["", "x'; DROP TABLE properties; --", "_leading", "a" * 200, "caf\u00e9"]
)
def test_malformed_ids_are_refused_before_the_database(given: str) -> None:
    # No database exists in this test: a format error must come first.
    with pytest.raises(ToolError, match="not a property id") as caught:
        validate_property_id(given)
    assert not isinstance(caught.value, UnknownProperty)


def test_property_id_must_be_a_string() -> None:
    with pytest.raises(TypeError):
        validate_property_id(42)  # type: ignore[arg-type]


# --- validate_data_format -----------------------------------------------------------------------

COLUMN_SCHEMA: dict[str, Any] = {
    "columns": {
        "property_id": "string",
        "period": "date",
        "noi": "number",
        "units": "integer",
        "has_debt": "boolean",
    },
    "required": ["property_id", "period", "noi"],
}


def _good_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "property_id": ["a", "b", "c"],
            "period": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
            "noi": [1.5, 2.0, -3.0],
            "units": [10.0, np.nan, 12.0],
            "has_debt": [True, False, True],
        }
    )


def test_a_matching_table_is_valid() -> None:
    result = validate_data_format(_good_frame(), COLUMN_SCHEMA)
    assert result == {
        "valid": True,
        "errors": [],
        "rows": 3,
        "columns": ["property_id", "period", "noi", "units", "has_debt"],
    }


def test_table_errors_are_all_reported() -> None:
    frame = _good_frame().drop(columns=["period"])
    frame["noi"] = [1.0, "n/a", None]
    frame["units"] = [10.5, 3.0, 4.0]
    frame["has_debt"] = ["yes", True, False]
    result = validate_data_format(frame, COLUMN_SCHEMA)
    assert not result["valid"]
    assert result["errors"] == [
        "missing required column 'period'",
        "column 'noi': 1 null value(s) (row 2)",
        "column 'noi': 1 value(s) are not number (row 1), e.g. 'n/a'",
        "column 'units': 1 value(s) are not integer (row 0), e.g. 10.5",
        "column 'has_debt': 1 value(s) are not boolean (row 0), e.g. 'yes'",
    ]


def test_json_schema_like_records() -> None:
    schema = {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "properties": {
                "property_type": {"type": "string", "enum": ["retail", "office"]},
                "occupancy": {"type": "number", "minimum": 0, "maximum": 1},
                "as_of": {"type": "string", "format": "date"},
                "zip": {"type": "string", "pattern": "^[0-9]{5}$"},
                "dscr": {"type": ["number", "null"], "exclusiveMinimum": 0},
            },
            "required": ["property_type", "occupancy"],
            "additionalProperties": False,
        },
    }
    good = [
        {
            "property_type": "retail",
            "occupancy": 0.93,
            "as_of": "2025-12-01",
            "zip": "32803",
            "dscr": 1.4,
        },
        {
            "property_type": "office",
            "occupancy": 1,
            "as_of": "2025-12-01",
            "zip": "10001",
            "dscr": None,
        },
    ]
    assert validate_data_format(good, schema)["valid"]
    bad = [
        {"property_type": "castle", "occupancy": 1.2, "as_of": "Dec 2025", "zip": "328", "dscr": 0},
        {"occupancy": 0.5, "colour": "red"},
    ]
    errors = validate_data_format(bad, schema)["errors"]
    assert errors == [
        "unexpected column(s) 'colour'",
        "column 'property_type': 1 null value(s) (row 1)",
        "column 'property_type': 1 value(s) not in ['retail', 'office'] (row 0), e.g. 'castle'",
        "column 'occupancy': 1 value(s) above 1 (row 0), e.g. 1.2",
        "column 'as_of': 1 value(s) are not date (row 0), e.g. 'Dec 2025'",
        "column 'zip': 1 value(s) do not match '^[0-9]{5}$' (row 0), e.g. '328'",
        "column 'dscr': 1 value(s) not above 0 (row 0), e.g. 0.0",
    ]
    assert validate_data_format([], schema)["errors"] == [
        "expected at least 1 row(s), got 0",
        "missing required column 'property_type'",
        "missing required column 'occupancy'",
    ]


def test_one_record_and_non_records() -> None:
    schema = {"type": "object", "properties": {"noi": {"type": "number"}}, "required": ["noi"]}
    assert validate_data_format({"noi": 5}, schema)["valid"]
    assert validate_data_format({"noi": "5"}, schema)["errors"] == [
        "column 'noi': 1 value(s) are not number (row 0), e.g. '5'"
    ]
    result = validate_data_format([{"noi": 1}, 7], schema)
    assert result["errors"] == ["row 1 is a int, not a record (dict)"] and result["rows"] == 1


def test_bad_schemas_say_what_is_accepted() -> None:
    with pytest.raises(ToolError, match="unknown type 'money'.*number, integer"):
        validate_data_format({"a": 1}, {"columns": {"a": "money"}})
    with pytest.raises(ToolError, match="'columns'"):
        validate_data_format({"a": 1}, {"type": "object"})
    with pytest.raises(TypeError):
        validate_data_format("a,b\n1,2", COLUMN_SCHEMA)


def test_real_financials_match_their_schema(sample_db_url: str) -> None:
    frame = _read(sample_db_url, "SELECT * FROM financials")
    schema = {
        "columns": {
            "property_id": "string",
            "period": "date",
            "occupancy": {"type": "number", "minimum": 0, "maximum": 1},
            **{c: "number" for c in ("gross_potential_rent", "vacancy_loss", "noi", "capex")},
        },
        "required": ["property_id", "period", "noi", "occupancy"],
    }
    result = validate_data_format(frame, schema)
    assert result["valid"], result["errors"]
    assert result["rows"] == 60 * 36


# --- check_data_quality -------------------------------------------------------------------------


def _statement(property_id: str, period: str, gpr: float = 1000.0) -> dict[str, Any]:
    vacancy, other, opex = 100.0, 50.0, 400.0
    egi = gpr - vacancy + other
    return {
        "property_id": property_id,
        "period": dt.date.fromisoformat(period),
        "gross_potential_rent": gpr,
        "vacancy_loss": vacancy,
        "other_income": other,
        "effective_gross_income": egi,
        "operating_expenses": opex,
        "noi": egi - opex,
        "capex": 10.0,
        "occupancy": 0.9,
    }


def _clean_statements() -> pd.DataFrame:
    months = [f"2025-{m:02d}-01" for m in range(1, 7)]
    return pd.DataFrame([_statement(p, m) for p in ("alpha", "beta") for m in months])


def test_clean_statements_have_no_issues() -> None:
    issues = check_data_quality(_clean_statements())
    assert list(issues.columns) == list(QUALITY_COLUMNS) and issues.empty


def test_planted_problems_are_each_found_once() -> None:
    frame = _clean_statements()
    frame.loc[1, "noi"] = np.nan  # alpha 2025-02: null
    frame.loc[2, "occupancy"] = 1.2  # alpha 2025-03: out of range
    frame.loc[3, "operating_expenses"] = -5.0  # alpha 2025-04: negative money (and NOI now off)
    frame.loc[7, "noi"] += 0.02  # beta 2025-02: NOI off by 2 cents
    frame.loc[8, "effective_gross_income"] += 0.5  # beta 2025-03: EGI off (and NOI off)
    duplicate = frame.iloc[[9]]  # beta 2025-04 twice
    frame = pd.concat([frame.drop(index=[10]), duplicate])  # and beta 2025-05 missing
    issues = check_data_quality(frame)
    found = [
        (row.check, row.column, row.property_id, row.period.isoformat())
        for row in issues.itertuples(index=False)
    ]
    assert found == [
        ("nulls", "noi", "alpha", "2025-02-01"),
        ("ranges", "operating_expenses", "alpha", "2025-04-01"),
        ("ranges", "occupancy", "alpha", "2025-03-01"),
        ("duplicates", "property_id,period", "beta", "2025-04-01"),
        ("gaps", "period", "beta", "2025-05-01"),
        ("noi_identity", "noi", "alpha", "2025-04-01"),
        ("noi_identity", "noi", "beta", "2025-02-01"),
        ("noi_identity", "noi", "beta", "2025-03-01"),
        ("egi_identity", "effective_gross_income", "beta", "2025-03-01"),
    ]
    details = dict(zip(issues["check"], issues["detail"], strict=False))
    assert "occupancy 1.2 is outside the allowed range 0.0..1.0" in set(
        issues["detail"].str.split(" \\(row").str[0]
    )
    assert (
        details["duplicates"]
        == "duplicate of row 9 for property_id=beta, period=2025-04-01 (row 9)"
    )
    assert details["gaps"].startswith("no monthly row for 2025-05 between 2025-04 and 2025-06")
    assert "off by 0.02" in issues[issues["check"] == "noi_identity"]["detail"].iloc[1]


def test_identities_hold_within_a_cent() -> None:
    frame = _clean_statements()
    frame.loc[0, "noi"] += 0.009
    frame.loc[1, "effective_gross_income"] -= 0.004
    frame.loc[1, "noi"] -= 0.004
    assert check_data_quality(frame).empty
    strict = check_data_quality(frame, {"tolerance": 0.001})
    assert strict[["check", "property_id"]].values.tolist() == [
        ["noi_identity", "alpha"],
        ["egi_identity", "alpha"],
    ]


def test_rules_select_checks_and_columns() -> None:
    frame = _clean_statements()
    frame.loc[0, "capex"] = np.nan
    frame.loc[1, "occupancy"] = 1.5
    assert check_data_quality(frame).shape[0] == 1  # capex may be empty by default; occupancy not
    only_nulls = check_data_quality(frame, {"checks": ["nulls"], "not_null": ["capex"]})
    assert only_nulls[["check", "column"]].values.tolist() == [["nulls", "capex"]]
    relaxed = check_data_quality(frame, {"ranges": {"occupancy": [0, 2]}})
    assert relaxed.empty
    with pytest.raises(ToolError, match="Unknown data quality rule.*'tolerence'"):
        check_data_quality(frame, {"tolerence": 1})
    with pytest.raises(ToolError, match="accepted: \\['nulls'"):
        check_data_quality(frame, {"checks": ["spelling"]})
    with pytest.raises(TypeError):
        check_data_quality(frame.to_dict("records"))


def test_quarterly_series_gaps_use_their_own_frequency() -> None:
    quarters = ["2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01", "2025-01-01"]
    frame = pd.DataFrame(
        {
            "market": "Orlando, FL",
            "property_type": "retail",
            "period": pd.to_datetime(quarters),
            "avg_cap_rate": 0.065,
            "avg_rent_psf": 23.0,
            "vacancy_rate": 0.08,
        }
    )
    assert check_data_quality(frame).empty
    issues = check_data_quality(frame.drop(index=[2]))
    assert issues[["check", "period"]].values.tolist() == [["gaps", dt.date(2024, 7, 1)]]
    assert (
        "quarterly" in issues["detail"].iloc[0] and "market=Orlando, FL" in issues["detail"].iloc[0]
    )


def test_the_sample_portfolio_has_no_quality_issues(sample_db_url: str) -> None:
    for table in ("financials", "properties", "loans", "valuations", "market_data"):
        frame = _read(sample_db_url, f"SELECT * FROM {table}")
        issues = check_data_quality(frame)
        assert issues.empty, (table, issues.head().to_dict("records"))


def test_portfolio_metrics_have_no_quality_issues(sample_db_url: str) -> None:
    from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

    metrics = fetch_portfolio_metrics()
    issues = check_data_quality(metrics)
    assert issues.empty, issues.head().to_dict("records")


# --- verify_calculations ------------------------------------------------------------------------

INPUTS = {
    "noi": 1_250_000.0,
    "debt_service": 1_000_000.0,
    "value": 20_000_000.0,
    "loan_balance": 12_500_000.0,
}


def test_correct_outputs_pass() -> None:
    outputs = {"dscr": 1.25, "cap_rate": 0.0625, "ltv": 0.625, "debt_yield": 0.1}
    result = verify_calculations(INPUTS, outputs)
    assert result["passed"] and result["skipped"] == {}
    assert result["metrics"]["dscr"] == {
        "passed": True,
        "expected": 1.25,
        "actual": 1.25,
        "formula": "noi / debt_service",
        "source": "recomputed",
        "mismatches": 0,
    }


def test_wrong_outputs_fail_per_metric() -> None:
    outputs = {"dscr": 1.31, "cap_rate": 0.0625, "ltv": 0.625 * (1 + 1e-9)}
    result = verify_calculations(INPUTS, outputs)
    assert not result["passed"]
    assert {m: v["passed"] for m, v in result["metrics"].items()} == {
        "dscr": False,
        "cap_rate": True,
        "ltv": True,
    }
    assert result["skipped"] == {"debt_yield": "not in outputs"}
    assert not verify_calculations(INPUTS, {"dscr": 1.2501}, {"rel_tolerance": 1e-6})["passed"]
    assert verify_calculations(INPUTS, {"dscr": 1.2501}, {"rel_tolerance": 1e-3})["passed"]


def test_undefined_metrics_must_be_null() -> None:
    no_debt = {"noi": 500_000.0, "debt_service": 0.0, "value": 8_000_000.0, "loan_balance": 0.0}
    good = {"dscr": None, "debt_yield": math.nan, "ltv": 0.0, "cap_rate": 0.0625}
    assert verify_calculations(no_debt, good)["passed"]
    bad = verify_calculations(no_debt, {"dscr": 0.0, "debt_yield": math.inf})
    assert not bad["metrics"]["dscr"]["passed"] and bad["metrics"]["dscr"]["expected"] is None
    assert not bad["metrics"]["debt_yield"]["passed"]


def test_aliases_references_and_missing_inputs() -> None:
    inputs = {"noi": 100.0, "annual_debt_service": 80.0, "property_value": 1000.0}
    result = verify_calculations(inputs, {"dscr": 1.25, "cap_rate": 0.1, "ltv": 0.5}, {"ltv": 0.5})
    assert result["passed"]
    assert result["metrics"]["ltv"]["source"] == "expected"
    result = verify_calculations({"noi": 100.0, "value": 1000.0}, {"dscr": 1.25, "cap_rate": 0.1})
    assert result["passed"] and list(result["metrics"]) == ["cap_rate"]
    assert result["skipped"] == {
        "dscr": "needs noi and debt_service in inputs",
        "ltv": "not in outputs",
        "debt_yield": "not in outputs",
    }


def test_nothing_to_verify_is_an_error() -> None:
    with pytest.raises(ToolError, match="Nothing to verify"):
        verify_calculations(INPUTS, {"irr": 0.1})
    with pytest.raises(TypeError):
        verify_calculations({"noi": "lots", "debt_service": 1.0}, {"dscr": 1.0})


def test_columns_of_values_are_checked_elementwise() -> None:
    inputs = {"noi": [100.0, 200.0, 300.0], "debt_service": [80.0, 0.0, 100.0]}
    result = verify_calculations(inputs, {"dscr": [1.25, None, 3.5]})
    assert result["metrics"]["dscr"]["expected"] == [1.25, None, 3.0]
    assert result["metrics"]["dscr"]["mismatches"] == 1 and not result["passed"]
    with pytest.raises(ToolError, match="3 input value"):
        verify_calculations(inputs, {"dscr": [1.25, None]})


def test_portfolio_metrics_recompute_exactly(sample_db_url: str) -> None:
    from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

    metrics = fetch_portfolio_metrics()
    columns = {c: metrics[c].tolist() for c in metrics.columns}
    result = verify_calculations(columns, columns)
    assert result["passed"], {m: v["mismatches"] for m, v in result["metrics"].items()}
    assert set(result["metrics"]) == {"dscr", "cap_rate", "ltv", "debt_yield"}


def test_validation_tools_register() -> None:
    from meta_agent.tool_library import validation_tools
    from meta_agent.tool_library.tool_registry import ToolRegistry

    tools = {t.name: t for t in ToolRegistry().register_module(validation_tools)}
    assert list(tools) == [
        "validate_property_id",
        "validate_data_format",
        "check_data_quality",
        "verify_calculations",
    ]
    assert all(t.category == "validation" for t in tools.values())
    assert tools["validate_property_id"].side_effects == {"reads_database"}
    assert tools["check_data_quality"].returns["x-python-type"] == "pandas.DataFrame"
