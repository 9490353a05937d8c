"""data_tools: reshaping, filtering, ranking, aggregating, summarising, and the result writers."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pypdf import PdfReader

from meta_agent.errors import OutputPathError, ToolError
from meta_agent.tool_library import data_tools as dtools
from meta_agent.tool_library.tool_registry import ToolRegistry

TOOLS = [
    "transform_data",
    "filter_data",
    "rank_data",
    "aggregate_metrics",
    "summarize_results",
    "export_to_csv",
    "export_to_excel",
    "export_to_pdf",
    "write_results_json",
]
WRITERS = {"export_to_csv", "export_to_excel", "export_to_pdf", "write_results_json"}


@pytest.fixture()
def metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "property_id": ["a_mall", "b_tower", "c_flats", "d_shed", "e_hotel", "f_mixed"],
            "name": ["A Mall", "B Tower", "C Flats", "D Shed", "E Hotel", "F Mixed"],
            "property_type": ["retail", "office", "multifamily", "industrial", "hotel", "retail"],
            "state": ["FL", "TX", "TX", "GA", "FL", "TX"],
            "noi": [1_234_567.891, 2_000_000.5, 750_000.25, 980_000.0, 1_500_000.0, 640_000.0],
            "debt_service": [1_100_000.0, 1_000_000.0, 0.0, 700_000.0, 1_400_000.0, 600_000.0],
            "dscr": [1.1223344556677, 2.0000005, np.nan, 1.4, 1.0714285714285714, 1.0666666666],
            "cap_rate": [0.071, 0.062, 0.055, 0.066, 0.081, 0.07],
            "occupancy": [0.91, 0.84, 0.97, 1.0, 0.72, 0.88],
            "has_debt": [True, True, False, True, True, True],
            "latest_period": [dt.date(2025, 12, 1)] * 6,
        }
    )


def test_registered_with_schemas_and_side_effects() -> None:
    registry = ToolRegistry()
    registered = {tool.name: tool for tool in registry.register_module(dtools)}
    assert list(registered) == TOOLS
    for name, tool in registered.items():
        assert tool.category == "data"
        assert tool.side_effects == (
            frozenset({"writes_files"}) if name in WRITERS else frozenset()
        )
        assert tool.description and not tool.description.endswith(":")
    assert registered["filter_data"].parameters["required"] == ["data", "conditions"]
    assert registered["export_to_pdf"].parameters["properties"]["charts"]["default"] is None


def test_tool_modules_import_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "import meta_agent.tool_library.data_tools, meta_agent.tool_library.chart_tools, "
        "meta_agent.tool_library.report_tools\n"
        "heavy = {'pandas', 'numpy', 'matplotlib', 'reportlab', 'xlsxwriter', 'sqlalchemy'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- transform / filter / rank / aggregate ------------------------------------------------------


def test_transform_operations_in_order(metrics: pd.DataFrame) -> None:
    result = dtools.transform_data(
        metrics,
        [
            {
                "op": "derive",
                "column": "margin",
                "left": "noi",
                "operator": "/",
                "right": "debt_service",
            },
            {"op": "derive", "column": "noi_k", "left": "noi", "operator": "*", "right": 0.001},
            {"op": "select", "columns": ["property_id", "noi", "margin", "noi_k", "dscr"]},
            {"op": "rename", "columns": {"noi_k": "noi_thousands"}},
            {"op": "sort", "by": "dscr", "descending": True},
            {"op": "limit", "n": 5},
        ],
    )
    assert list(result.columns) == ["property_id", "noi", "margin", "noi_thousands", "dscr"]
    assert result["property_id"].tolist() == ["b_tower", "d_shed", "a_mall", "e_hotel", "f_mixed"]
    assert result.loc[0, "noi_thousands"] == 2_000_000.5 * 0.001  # full precision, no rounding
    derived = dtools.transform_data(
        metrics,
        [{"op": "derive", "column": "m", "left": "noi", "operator": "/", "right": "debt_service"}],
    )
    assert np.isnan(derived.loc[2, "m"])  # x / 0 has no value; never infinite
    dropped = dtools.transform_data(metrics, [{"op": "drop_missing", "columns": ["dscr"]}])
    assert "c_flats" not in dropped["property_id"].tolist()
    assert "dscr" not in dtools.transform_data(metrics, [{"op": "drop", "columns": ["dscr"]}])


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        ([{"op": "explode"}], "is not understood"),
        ([{"op": "select", "columns": ["nope"]}], "no column"),
        ([{"op": "select", "columns": "noi"}], "non-empty list"),
        (
            [{"op": "derive", "column": "x", "left": "name", "operator": "+", "right": 1}],
            "not numeric",
        ),
        ([{"op": "derive", "column": "x", "left": "noi", "operator": "^", "right": 1}], "operator"),
        ([{"op": "limit", "n": -1}], "whole number"),
        ([{"op": "rename", "columns": ["noi"]}], "rename needs"),
    ],
)
def test_transform_errors_say_what_is_accepted(metrics, operations, message) -> None:
    with pytest.raises(ToolError, match=message):
        dtools.transform_data(metrics, operations)


def test_filter_conditions(metrics: pd.DataFrame) -> None:
    def ids(conditions: list[dict[str, object]]) -> list[str]:
        return dtools.filter_data(metrics, conditions)["property_id"].tolist()

    # no debt is never "under 1.2"
    assert ids([{"column": "dscr", "op": "<", "value": 1.2}]) == ["a_mall", "e_hotel", "f_mixed"]
    assert ids([{"column": "property_type", "op": "==", "value": "Retail"}]) == [
        "a_mall",
        "f_mixed",
    ]
    assert ids(
        [
            {"column": "state", "op": "in", "value": ["tx"]},
            {"column": "occupancy", "op": ">=", "value": 0.88},
        ]
    ) == ["c_flats", "f_mixed"]
    assert ids([{"column": "state", "op": "not_in", "value": ["TX", "FL"]}]) == ["d_shed"]
    assert ids([{"column": "dscr", "op": "is_null"}]) == ["c_flats"]
    assert len(ids([{"column": "dscr", "op": "not_null"}])) == 5
    assert ids([{"column": "dscr", "op": "!=", "value": 1.4}]) == [
        "a_mall",
        "b_tower",
        "e_hotel",
        "f_mixed",
    ]
    assert ids([{"column": "latest_period", "op": ">=", "value": "2025-12-01"}]) == list(
        metrics["property_id"]
    )
    assert dtools.filter_data(metrics, []).equals(metrics)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"column": "dscr", "op": "~", "value": 1}, "Unknown filter operator"),
        ({"column": "nope", "op": "<", "value": 1}, "no column"),
        ({"column": "dscr", "op": "<", "value": "low"}, "compare it with a number"),
        ({"column": "name", "op": "<", "value": 3}, "compare it with text"),
        ({"column": "state", "op": "in", "value": "TX"}, "needs a list"),
        ({"op": "<"}, "needs 'column'"),
    ],
)
def test_filter_errors(metrics, condition, message) -> None:
    with pytest.raises(ToolError, match=message):
        dtools.filter_data(metrics, [condition])


def test_rank_puts_missing_last_in_both_directions(metrics: pd.DataFrame) -> None:
    worst_first = dtools.rank_data(metrics, "dscr")
    assert worst_first["property_id"].tolist() == [
        "f_mixed",
        "e_hotel",
        "a_mall",
        "d_shed",
        "b_tower",
        "c_flats",
    ]
    best_first = dtools.rank_data(metrics, "dscr", descending=True, limit=10)
    assert best_first["property_id"].iloc[-1] == "c_flats"
    top = dtools.rank_data(metrics, "noi", descending=True, limit=2)
    assert top["property_id"].tolist() == ["b_tower", "e_hotel"] and list(top.index) == [0, 1]
    assert dtools.rank_data(metrics, "noi", limit=0).empty
    with pytest.raises(ToolError):
        dtools.rank_data(metrics, "noi", limit=-3)


def test_aggregate_keeps_metric_names(metrics: pd.DataFrame) -> None:
    by_type = dtools.aggregate_metrics(
        metrics,
        "property_type",
        {"cap_rate": "mean", "noi": "sum", "property_id": "count", "dscr": "count"},
    )
    assert list(by_type.columns) == [
        "property_type",
        "cap_rate",
        "noi",
        "property_count",
        "dscr_count",
    ]
    retail = by_type.set_index("property_type").loc["retail"]
    assert retail["cap_rate"] == pytest.approx(0.0705)
    assert retail["noi"] == 1_234_567.891 + 640_000.0
    assert retail["property_count"] == 2
    assert by_type["property_type"].tolist() == sorted(by_type["property_type"])
    total = dtools.aggregate_metrics(metrics, None, {"noi": "sum", "name": "count", "dscr": "avg"})
    assert total.loc[0, "property_count"] == 6 and total.loc[0, "noi"] == metrics["noi"].sum()
    assert total.loc[0, "dscr"] == pytest.approx(metrics["dscr"].mean())
    with pytest.raises(ToolError, match="group_figures"):  # a sum of ratios means nothing
        dtools.aggregate_metrics(metrics, ["state"], {"dscr": "sum"})
    only_missing = dtools.aggregate_metrics(metrics[~metrics["has_debt"]], "state", {"noi": "sum"})
    assert only_missing["noi"].notna().all()
    no_loans = metrics.assign(loan_balance=float("nan"))
    missing = dtools.aggregate_metrics(no_loans, "state", {"loan_balance": "sum"})
    assert missing["loan_balance"].isna().all()  # a sum of nothing is missing, not 0
    with pytest.raises(ToolError, match="Unknown aggregation"):
        dtools.aggregate_metrics(metrics, "state", {"noi": "geomean"})
    with pytest.raises(ToolError, match="not numeric"):
        dtools.aggregate_metrics(metrics, "state", {"name": "sum"})


def test_summarize_results(metrics: pd.DataFrame) -> None:
    summary = dtools.summarize_results(metrics, threshold=1.25)
    assert summary["row_count"] == 6
    assert summary["at_risk_count"] == 3
    assert summary["at_risk_ids"] == ["a_mall", "e_hotel", "f_mixed"]
    assert summary["no_debt_count"] == 1
    assert summary["metrics"]["noi"]["total"] == metrics["noi"].sum()
    assert summary["metrics"]["dscr"]["count"] == 5
    assert summary["metrics"]["dscr"]["min"] == pytest.approx(1.0666666666)
    assert set(summary["metrics"]) == {"noi", "debt_service", "dscr", "cap_rate", "occupancy"}
    flagged = metrics.assign(at_risk=[False, False, False, True, False, False])
    assert dtools.summarize_results(flagged)["at_risk_ids"] == ["d_shed"]
    assert "at_risk_count" not in dtools.summarize_results(metrics.drop(columns=["dscr"]))
    scenarios = pd.concat(
        [
            metrics.assign(scenario="base"),
            metrics.assign(scenario="down", dscr=metrics["dscr"] * 0.8),
        ]
    )
    by = dtools.summarize_results(scenarios, threshold=1.25)["by_scenario"]
    assert by["base"]["at_risk_count"] == 3 and by["down"]["at_risk_count"] == 4
    json.dumps(summary, allow_nan=False)


# --- writers -------------------------------------------------------------------------------------


def _no_temporaries(folder: Path) -> None:
    assert not [p.name for p in folder.rglob(".*")]


def test_csv_keeps_full_precision(tmp_results: Path, metrics: pd.DataFrame) -> None:
    assert dtools.export_to_csv(metrics, "dscr.csv") == "dscr.csv"
    back = pd.read_csv(tmp_results / "dscr.csv")
    assert back["noi"].tolist() == metrics["noi"].tolist()  # exact float round trip
    assert back["dscr"].iloc[0] == 1.1223344556677
    assert back["latest_period"].iloc[0] == "2025-12-01"
    assert np.isnan(back["dscr"].iloc[2])
    _no_temporaries(tmp_results)


def test_writers_refuse_names_outside_the_results_folder(tmp_results: Path, metrics) -> None:
    with pytest.raises(OutputPathError):
        dtools.export_to_csv(metrics, "../escape.csv")
    with pytest.raises(OutputPathError, match="must end with"):
        dtools.export_to_csv(metrics, "dscr.xlsx")
    with pytest.raises(OutputPathError):
        dtools.write_results_json({}, "/tmp/results.json")
    with pytest.raises(OutputPathError, match="must end with"):
        dtools.export_to_pdf("report.txt", "Title")


def test_excel_export(tmp_results: Path, metrics: pd.DataFrame) -> None:
    flagged = metrics.assign(at_risk=metrics["has_debt"] & (metrics["dscr"] < 1.25))
    name = dtools.export_to_excel(
        {"DSCR": flagged},
        "dscr.xlsx",
        title="DSCR by property",
        summary=dtools.summarize_results(flagged),
        charts=[{"sheet": "DSCR", "type": "bar", "x": "name", "y": "dscr"}],
    )
    wb = openpyxl.load_workbook(tmp_results / name)
    assert wb.sheetnames == ["Summary", "DSCR"]
    ws = wb["DSCR"]
    assert ws.freeze_panes == "B2" and len(ws._charts) == 1
    assert any(ws.conditional_formatting)
    assert ws.cell(2, 5).value == 1_234_567.891
    from meta_agent.tool_library.chart_tools import plot_dscr

    chart = plot_dscr(flagged)
    with_image = dtools.export_to_excel({"DSCR": flagged}, "image.xlsx", charts=[chart])
    assert len(openpyxl.load_workbook(tmp_results / with_image)["DSCR"]._images) == 1
    single = dtools.export_to_excel(metrics, "plain.xlsx")
    assert openpyxl.load_workbook(tmp_results / single).sheetnames == ["Summary", "plain"]
    _no_temporaries(tmp_results)


def test_pdf_export(tmp_results: Path, metrics: pd.DataFrame) -> None:
    from meta_agent.tool_library.chart_tools import plot_dscr

    chart = plot_dscr(metrics)
    name = dtools.export_to_pdf(
        "at_risk.pdf",
        "At-risk loans",
        tables={
            "At-risk properties": dtools.filter_data(
                metrics, [{"column": "dscr", "op": "<", "value": 1.25}]
            )
        },
        key_figures=dtools.summarize_results(metrics, threshold=1.25),
        charts=[chart],
        request="give me a PDF of at-risk loans for the credit committee",
    )
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_results / name).pages)
    assert "At-risk loans" in text and "credit committee" in text
    assert "$1,234,568" in text and "1.12x" in text and "E Hotel" in text
    assert "At-risk IDs: a_mall, e_hotel, f_mixed" in text
    assert "Data as of December 2025" in text
    assert "Methodology and definitions" in text
    assert "DSCR is T12 NOI divided by annual debt service" in text
    methodology = text.split("Methodology and definitions")[-1]
    assert "below 1.25x" in methodology and "Cap rate is T12 NOI over" in methodology
    assert "Debt yield" not in methodology  # only the metrics shown are defined
    with pytest.raises(ToolError, match="not in the results folder"):
        dtools.export_to_pdf("x.pdf", "X", charts=["missing.png"])
    _no_temporaries(tmp_results)


def test_results_json_is_strict(tmp_results: Path, metrics: pd.DataFrame) -> None:
    summary = {
        "nan": float("nan"),
        "inf": np.float64("inf"),
        "count": np.int64(3),
        "ratio": np.float32(1.5),
        "flag": np.bool_(True),
        "day": dt.date(2025, 12, 1),
        "moment": pd.Timestamp("2025-12-01"),
        "stamp": dt.datetime(2025, 12, 1, 8, 30),
        "na": pd.NA,
        "nat": pd.NaT,
        "array": np.array([1.0, np.nan]),
        "table": metrics.head(2),
        "series": pd.Series([1, 2]),
        "ids": {"b", "a"},
        "path": Path("x/y"),
        "nested": {1: [np.int32(4), None]},
    }
    assert dtools.write_results_json(summary) == "results.json"
    raw = (tmp_results / "results.json").read_text()
    assert "NaN" not in raw and "Infinity" not in raw
    data = json.loads(raw)
    assert (
        data["nan"] is None and data["inf"] is None and data["na"] is None and data["nat"] is None
    )
    assert data["count"] == 3 and data["ratio"] == 1.5 and data["flag"] is True
    assert data["day"] == "2025-12-01" and data["moment"] == "2025-12-01"
    assert data["stamp"] == "2025-12-01T08:30:00"
    assert data["array"] == [1.0, None]
    assert (
        data["table"][0]["noi"] == 1_234_567.891
        and data["table"][0]["latest_period"] == "2025-12-01"
    )
    assert data["series"] == [1, 2] and data["ids"] == ["a", "b"] and data["path"] == "x/y"
    assert data["nested"] == {"1": [4, None]}
    dtools.write_results_json({"a": 1}, "sub/other.json")
    assert json.loads((tmp_results / "sub" / "other.json").read_text()) == {"a": 1}
    _no_temporaries(tmp_results)


def test_rank_data_keeps_ties_at_the_cut_when_asked() -> None:
    counts = pd.DataFrame({"market": ["Austin", "Dallas", "Tampa", "Waco"], "n": [1, 2, 2, 1]})
    assert dtools.rank_data(counts, "n", descending=True, limit=1)["market"].tolist() == ["Dallas"]
    tied = dtools.rank_data(counts, "n", descending=True, limit=1, keep_ties=True)
    assert tied["market"].tolist() == ["Dallas", "Tampa"]
    everyone = dtools.rank_data(counts, "n", limit=1, keep_ties=True)
    assert everyone["market"].tolist() == ["Austin", "Waco"]
    missing = pd.DataFrame({"market": ["A", "B"], "n": [float("nan"), float("nan")]})
    assert len(dtools.rank_data(missing, "n", limit=1, keep_ties=True)) == 1


def test_rank_data_within_each_group() -> None:
    frame = pd.DataFrame(
        {
            "property_id": list("abcdef"),
            "market": ["X", "Y", "X", "Y", "X", "Z"],
            "noi": [5.0, 3.0, 7.0, 9.0, 7.0, 1.0],
        }
    )
    best = dtools.rank_data(frame, "noi", descending=True, limit=1, within="market")
    assert best["property_id"].tolist() == ["c", "d", "f"]  # ties at 7 broken by property_id
    tied = dtools.rank_data(frame, "noi", descending=True, limit=1, within="market", keep_ties=True)
    assert tied["property_id"].tolist() == ["c", "e", "d", "f"]
    every = dtools.rank_data(frame, "noi", within="market")
    assert every["property_id"].tolist() == ["a", "c", "e", "b", "d", "f"]  # lowest first
    with pytest.raises(ToolError, match="city"):
        dtools.rank_data(frame, "noi", within="city")
