"""Workbooks opened with openpyxl: sheets, header style, formats, conditional formatting, charts."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from meta_agent.errors import ToolError
from meta_agent.reporting import excel


@pytest.fixture(scope="module")
def metrics(synthetic_portfolio):
    frame = synthetic_portfolio(20, seed=3)[0]
    return frame.assign(at_risk=frame["has_debt"] & (frame["dscr"] < 1.25))


@pytest.fixture(scope="module")
def monthly(synthetic_portfolio):
    return synthetic_portfolio(20, seed=3)[1]


def _width(ws, column: int) -> float:
    """The width of a column; openpyxl groups neighbours of equal width under one letter."""
    for dim in ws.column_dimensions.values():
        if dim.min <= column <= dim.max:
            return float(dim.width)
    raise AssertionError(f"column {column} has no width set")


def _header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def test_summary_first_then_formatted_sheets(tmp_path: Path, metrics, monthly) -> None:
    path = excel.write_workbook(
        tmp_path / "book.xlsx",
        {"Properties": metrics, "Monthly": monthly},
        title="DSCR review",
        request="dscr by asset, worst first",
        summary={"t12_noi": 1234567.891, "at_risk_count": 3, "metrics": {"dscr": {"mean": 1.7}}},
        generated_at=dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC),
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Properties", "Monthly"]
    summary = wb["Summary"]
    assert summary["A1"].value == "DSCR review"
    rows = {r[0]: r[1:] for r in summary.iter_rows(values_only=True) if r[0]}
    assert rows["Request"][0] == "dscr by asset, worst first"
    assert rows["Generated"][0] == "2026-01-05 09:30 UTC"
    assert rows["T12 NOI"][0] == pytest.approx(1234567.891)
    assert rows["DSCR mean"][0] == pytest.approx(1.7)
    figure_cells = {c.value: c for c in summary["B"] if c.value is not None}
    assert figure_cells[1234567.891].number_format == '"$"#,##0;-"$"#,##0'

    ws = wb["Properties"]
    assert _header(ws) == list(metrics.columns)
    header = ws["A1"]
    assert header.font.b and header.fill.fgColor.rgb.endswith("1F3B5C")
    assert ws.freeze_panes == "B2"  # header row and the property_id column
    assert (
        ws.auto_filter.ref
        == f"A1:{ws.cell(1, len(metrics.columns)).column_letter}{len(metrics) + 1}"
    )
    columns = {name: i + 1 for i, name in enumerate(metrics.columns)}
    assert ws.cell(2, columns["noi"]).number_format == '"$"#,##0;-"$"#,##0'
    assert ws.cell(2, columns["dscr"]).number_format in ('0.00"x"', "0.00\\x")
    assert ws.cell(2, columns["occupancy"]).number_format == "0.0%"
    assert ws.cell(2, columns["cap_rate"]).number_format == "0.00%"
    assert ws.cell(2, columns["year_built"]).number_format == "0"
    assert isinstance(ws.cell(2, columns["latest_period"]).value, dt.datetime)
    # full precision is kept; only the format rounds
    assert ws.cell(2, columns["noi"]).value == metrics["noi"].iloc[0]
    for i, has_debt in enumerate(metrics["has_debt"], start=2):
        cell = ws.cell(i, columns["dscr"]).value
        assert cell == "no debt" if not has_debt else isinstance(cell, float)
    assert _width(ws, columns["name"]) >= len("Synthetic Property 10")
    assert _width(ws, columns["noi"]) >= len("$12,345,678")
    assert wb["Monthly"].freeze_panes == "A2"


def test_at_risk_rows_are_highlighted(tmp_path: Path, metrics) -> None:
    path = excel.write_workbook(tmp_path / "r.xlsx", {"Risk": metrics})
    ws = openpyxl.load_workbook(path)["Risk"]
    rules = [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]
    assert len(rules) == 1
    sqref, rule = rules[0]
    letter = ws.cell(1, list(metrics.columns).index("at_risk") + 1).column_letter
    assert rule.type == "expression" and rule.formula == [f"${letter}2=TRUE"]
    assert sqref.startswith("A2:")
    assert rule.dxf.fill is not None


def test_dscr_cells_highlighted_without_an_at_risk_column(tmp_path: Path) -> None:
    pivot = pd.DataFrame(
        {"property_id": ["a", "b"], "dscr_base": [1.4, np.nan], "dscr_noi_down_20": [1.1, np.nan]}
    )
    ws = openpyxl.load_workbook(excel.write_workbook(tmp_path / "p.xlsx", {"Pivot": pivot}))[
        "Pivot"
    ]
    formulas = sorted(rule.formula[0] for cf in ws.conditional_formatting for rule in cf.rules)
    assert formulas == ["AND(ISNUMBER(B2),B2<1.25)", "AND(ISNUMBER(C2),C2<1.25)"]
    assert ws["B3"].value == "no debt"


def test_native_charts(tmp_path: Path, metrics, monthly) -> None:
    charts = [
        {"sheet": "Properties", "type": "bar", "x": "name", "y": "dscr", "title": "DSCR"},
        {"sheet": "Monthly", "type": "line", "x": "period", "y": ["noi", "occupancy"]},
    ]
    path = excel.write_workbook(
        tmp_path / "c.xlsx", {"Properties": metrics, "Monthly": monthly}, charts=charts
    )
    wb = openpyxl.load_workbook(path)
    assert len(wb["Properties"]._charts) == 1
    assert len(wb["Monthly"]._charts) == 1
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(names) == 2
        line = archive.read("xl/charts/chart2.xml").decode()
        assert "Monthly" in line and "<c:lineChart>" in line
        bar = archive.read("xl/charts/chart1.xml").decode()
        assert "C0392B" in bar.upper()  # at-risk bars in red


def test_chart_specs_are_validated(tmp_path: Path, metrics) -> None:
    target = tmp_path / "bad.xlsx"
    with pytest.raises(ToolError, match="not one of the workbook's sheets"):
        excel.write_workbook(target, {"A": metrics}, charts=[{"sheet": "B", "y": "noi"}])
    with pytest.raises(ToolError, match="not supported"):
        excel.write_workbook(target, {"A": metrics}, charts=[{"type": "radar", "y": "noi"}])
    with pytest.raises(ToolError, match="missing"):
        excel.write_workbook(target, {"A": metrics}, charts=[{"y": "nope"}])
    with pytest.raises(ToolError, match="Unknown chart option"):
        excel.write_workbook(target, {"A": metrics}, charts=[{"y": "noi", "colour": "red"}])
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_sheet_names_are_made_valid_and_unique(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1]})
    sheets = {"Summary": frame, "a/b": frame, "A-B": frame, "x" * 40: frame, "empty": frame.head(0)}
    wb = openpyxl.load_workbook(excel.write_workbook(tmp_path / "n.xlsx", sheets))
    assert wb.sheetnames == ["Summary", "Summary (2)", "a-b", "A-B (2)", "x" * 31, "empty"]
    assert wb["empty"]["A2"].value == "No rows."


def test_missing_values_of_every_kind(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "name": pd.array(["a", None], dtype="string"),
            "units": pd.array([10, None], dtype="Int64"),
            "flag": pd.array([True, None], dtype="boolean"),
            "period": [dt.date(2025, 1, 1), None],
            "noi": [1.5, np.inf],
        }
    )
    ws = openpyxl.load_workbook(excel.write_workbook(tmp_path / "m.xlsx", {"M": frame}))["M"]
    assert [c.value for c in ws[2]] == ["a", 10, True, dt.datetime(2025, 1, 1), 1.5]
    assert [c.value for c in ws[3]] == [None, None, None, None, None]
