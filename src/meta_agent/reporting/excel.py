"""Excel workbooks an analyst keeps: a Summary sheet first, then one formatted sheet per table.

Written with XlsxWriter: a header row that stands out, frozen panes, an autofilter, column widths
that fit, number formats by column kind (``$#,##0``, ``0.00"x"``, ``0.0%``), at-risk rows
highlighted by conditional formatting, and native Excel charts where a chart was asked for.
Headers keep DOMAIN.md's column names (``noi``, ``dscr``) so a program reads the sheet as a person does.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ToolError
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
from meta_agent.reporting import style
from meta_agent.reporting.files import atomic_path

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

SUMMARY_SHEET = "Summary"
# Category axes with more points than this are unreadable; charts take the first rows only.
MAX_CHART_POINTS = 100
MAX_COLUMN_WIDTH = 60
CHART_TYPES = ("column", "bar", "line", "pie", "scatter")
CHART_KEYS = frozenset({"sheet", "type", "x", "y", "title", "threshold", "image"})
# Sampling widths from the first rows keeps 100,000-row sheets fast; outliers rarely hide later.
WIDTH_SAMPLE_ROWS = 2_000
# A 150-dpi chart PNG at 60% is about the size of a native chart; rows are 20 pixels high.
IMAGE_SCALE = 0.6
ROW_PIXELS = 20

EXCEL_FORMATS: dict[str, str] = {
    "currency": '"$"#,##0;-"$"#,##0',
    "currency_cents": '"$"#,##0.00;-"$"#,##0.00',
    "ratio": '0.00"x"',
    "percent": "0.0%",
    "points": '0.##"%"',
    "basis_points": '#,##0" bp"',
    "integer": "#,##0",
    "year": "0",
    "coordinate": "0.0000",
    "date": "yyyy-mm-dd",
    "number": "#,##0.00",
}


def excel_format(name: str) -> str:
    """The Excel number format for a column named ``name``."""
    kind = style.column_kind(name)
    if kind == "percent" and style.percent_digits(name) == 2:
        return "0.00%"
    return EXCEL_FORMATS[kind]


def write_workbook(
    path: Path,
    sheets: Mapping[str, pd.DataFrame],
    *,
    title: str | None = None,
    request: str | None = None,
    summary: Mapping[str, Any] | None = None,
    charts: Sequence[Mapping[str, Any]] = (),
    generated_at: dt.datetime | None = None,
    threshold: float = DEFAULT_AT_RISK_THRESHOLD,
) -> Path:
    """Write a workbook atomically: Summary first, then ``sheets`` in order, then the charts."""
    import xlsxwriter

    names = _sheet_names(list(sheets))
    tables = {names[key]: frame for key, frame in sheets.items()}
    specs = [_chart_spec(chart, tables) for chart in charts]
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    with atomic_path(path) as temporary:
        workbook = xlsxwriter.Workbook(
            str(temporary),
            {"strings_to_formulas": False, "strings_to_urls": False, "remove_timezone": True},
        )
        formats = _Formats(workbook)
        summary_sheet = workbook.add_worksheet(SUMMARY_SHEET)
        worksheets = {name: workbook.add_worksheet(name) for name in tables}
        for name, frame in tables.items():
            _write_table(worksheets[name], frame, formats, threshold)
        chart_rows: dict[str, int] = {}
        for spec in specs:
            _insert_chart(
                workbook,
                worksheets[spec["sheet"]],
                spec,
                tables[spec["sheet"]],
                chart_rows,
                threshold,
                path.parent,
            )
        _write_summary(summary_sheet, formats, title, request, summary or {}, tables, generated_at)
        workbook.close()
    logger.info("workbook written", extra={"path": str(path), "sheets": len(tables) + 1})
    return path


class _Formats:
    """The workbook's cell formats, created once and shared by every sheet."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.header = workbook.add_format(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": style.HEADER_FILL,
                "border": 1,
                "border_color": "#FFFFFF",
                "text_wrap": True,
                "valign": "vcenter",
            }
        )
        self.title = workbook.add_format({"bold": True, "font_size": 16, "font_color": style.NAVY})
        self.section = workbook.add_format(
            {
                "bold": True,
                "font_size": 12,
                "font_color": style.NAVY,
                "bottom": 1,
                "bottom_color": style.NAVY,
            }
        )
        self.label = workbook.add_format({"bold": True, "valign": "top"})
        self.muted = workbook.add_format({"font_color": style.MUTED, "italic": True})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.link = workbook.add_format({"font_color": "#1F5FAD", "underline": 1})
        self.at_risk = workbook.add_format(
            {"bg_color": style.AT_RISK_FILL, "font_color": "#9C0006"}
        )
        self.boolean = workbook.add_format({"align": "center"})
        self._numbers: dict[str, Any] = {}

    def number(self, excel_format_text: str) -> Any:
        if excel_format_text not in self._numbers:
            self._numbers[excel_format_text] = self.workbook.add_format(
                {"num_format": excel_format_text}
            )
        return self._numbers[excel_format_text]


def _write_table(sheet: Any, frame: pd.DataFrame, formats: _Formats, threshold: float) -> None:
    import pandas as pd

    rows, columns = len(frame), list(frame.columns)
    sheet.set_row(0, 30)
    for c, column in enumerate(columns):
        sheet.write_string(0, c, str(column), formats.header)
        series = frame[column]
        kind = style.column_kind(str(column))
        if pd.api.types.is_bool_dtype(series):
            _write_booleans(sheet, c, series, formats.boolean)
        elif pd.api.types.is_datetime64_any_dtype(series) or (
            kind == "date" and not pd.api.types.is_numeric_dtype(series)
        ):
            _write_dates(sheet, c, series, formats.number(EXCEL_FORMATS["date"]))
        elif pd.api.types.is_numeric_dtype(series):
            missing = style.NO_DEBT if style.is_property_dscr(str(column)) else None
            _write_numbers(
                sheet, c, series, formats.number(excel_format(str(column))), missing, formats.muted
            )
        else:
            _write_text(sheet, c, series)
        sheet.set_column(c, c, _column_width(str(column), series))
    if not rows:
        sheet.write_string(1, 0, "No rows.", formats.muted)
        return
    first_is_key = bool(columns) and str(columns[0]) in ("property_id", "name", "scenario")
    sheet.freeze_panes(1, 1 if first_is_key else 0)
    sheet.autofilter(0, 0, rows, len(columns) - 1)
    _highlight_at_risk(sheet, frame, formats.at_risk, threshold)


def _write_numbers(
    sheet: Any, c: int, series: pd.Series, fmt: Any, missing: str | None, missing_fmt: Any
) -> None:
    import math

    import numpy as np

    write_number, write_blank, write_string = (
        sheet.write_number,
        sheet.write_blank,
        sheet.write_string,
    )
    values = series.to_numpy(dtype="float64", na_value=np.nan).tolist()
    for r, value in enumerate(values, start=1):
        if value != value or math.isinf(value):
            if missing is not None:
                write_string(r, c, missing, missing_fmt)
            else:
                write_blank(r, c, None, fmt)
        else:
            write_number(r, c, value, fmt)


def _write_booleans(sheet: Any, c: int, series: pd.Series, fmt: Any) -> None:
    for r, value in enumerate(_values(series), start=1):
        if value is None:
            continue
        sheet.write_boolean(r, c, bool(value), fmt)


def _write_dates(sheet: Any, c: int, series: pd.Series, fmt: Any) -> None:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series
    else:
        text = series.astype("string").str.slice(0, 19).str.replace(" ", "T", regex=False)
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    for r, (value, raw) in enumerate(zip(_values(parsed), _values(series), strict=True), start=1):
        if value is None:
            if raw is not None:
                sheet.write_string(r, c, str(raw))
            continue
        sheet.write_datetime(r, c, value.to_pydatetime().replace(tzinfo=None), fmt)


def _write_text(sheet: Any, c: int, series: pd.Series) -> None:
    write_string = sheet.write_string
    for r, value in enumerate(_values(series), start=1):
        if value is not None:
            write_string(r, c, str(value))


def _values(series: pd.Series) -> list[Any]:
    """The column's values with every kind of missing (NaN, NA, NaT, None) as None."""
    values: list[Any] = series.astype(object).where(series.notna(), None).tolist()
    return values


def _column_width(name: str, series: pd.Series) -> float:
    import pandas as pd

    sample = series.head(WIDTH_SAMPLE_ROWS)
    header = len(name) + 4  # room for the autofilter button
    if pd.api.types.is_bool_dtype(sample):
        content = 6
    elif pd.api.types.is_numeric_dtype(sample) and not sample.dropna().empty:
        extremes = [sample.max(), sample.min()]
        content = max(len(style.format_value(name, v)) for v in extremes) + 2
    elif style.column_kind(name) == "date":
        content = 12
    else:
        lengths = sample.dropna().astype(str).str.len()
        content = int(lengths.max()) + 2 if not lengths.empty else 8
    return float(min(MAX_COLUMN_WIDTH, max(8, header if header < 24 else 14, content)))


def _highlight_at_risk(sheet: Any, frame: pd.DataFrame, fmt: Any, threshold: float) -> None:
    from xlsxwriter.utility import xl_col_to_name

    rows, last = len(frame), len(frame.columns) - 1
    columns = [str(c) for c in frame.columns]
    if "at_risk" in columns:
        letter = xl_col_to_name(columns.index("at_risk"))
        sheet.conditional_format(
            1, 0, rows, last, {"type": "formula", "criteria": f"=${letter}2=TRUE", "format": fmt}
        )
        return
    for c, column in enumerate(columns):
        if column == "dscr" or column.startswith("dscr_"):
            letter = xl_col_to_name(c)
            sheet.conditional_format(
                1,
                c,
                rows,
                c,
                {
                    "type": "formula",
                    "criteria": f"=AND(ISNUMBER({letter}2),{letter}2<{threshold})",
                    "format": fmt,
                },
            )


def _chart_spec(chart: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    if not isinstance(chart, Mapping):
        raise ToolError(
            "Each chart must be a dict such as {'type': 'bar', 'x': 'name', 'y': 'dscr'}."
        )
    unknown = set(chart) - CHART_KEYS
    if unknown:
        raise ToolError(
            f"Unknown chart option(s) {sorted(unknown)}; accepted: {sorted(CHART_KEYS)}."
        )
    sheet = chart.get("sheet") or next(iter(tables), None)
    matched = _match_sheet(str(sheet), tables) if sheet is not None else None
    if matched is None:
        raise ToolError(
            f"Chart sheet {sheet!r} is not one of the workbook's sheets {list(tables)}."
        )
    spec = {**chart, "sheet": matched}
    if chart.get("image"):
        return spec
    kind = chart.get("type", "column")
    if kind not in CHART_TYPES:
        raise ToolError(f"Chart type {kind!r} is not supported; use one of {CHART_TYPES}.")
    frame = tables[matched]
    ys = chart.get("y")
    ys = [ys] if isinstance(ys, str) else list(ys or [])
    x = chart.get("x") or next(
        (c for c in ("name", "property_id", "period", "scenario") if c in frame.columns), None
    )
    missing = [c for c in [x, *ys] if c is None or c not in frame.columns]
    if not ys or missing:
        raise ToolError(
            f"Chart on sheet {matched!r} needs 'x' and 'y' columns of that sheet "
            f"{list(frame.columns)}; missing {missing or ['y']}."
        )
    return {**spec, "type": kind, "x": x, "y": ys}


def _match_sheet(name: str, tables: Mapping[str, Any]) -> str | None:
    if name in tables:
        return name
    cleaned = _clean_sheet_name(name).lower()
    return next((t for t in tables if t.lower() == cleaned), None)


def _insert_chart(
    workbook: Any,
    sheet: Any,
    spec: Mapping[str, Any],
    frame: pd.DataFrame,
    chart_rows: dict[str, int],
    threshold: float,
    folder: Path,
) -> None:
    name = spec["sheet"]
    row = chart_rows.get(name, 1)
    col = len(frame.columns) + 1
    if spec.get("image"):
        # Images sit beside the workbook, in the results folder: a bare .png file name only.
        image_name = str(spec["image"])
        image = folder / image_name
        if Path(image_name).name != image_name or image.suffix.lower() != ".png":
            raise ToolError(
                f"Chart image {image_name!r} must be the file name of a .png chart in the "
                "results folder, e.g. 'dscr_by_property.png'."
            )
        if not image.is_file() or image.is_symlink():
            raise ToolError(
                f"Chart image {spec['image']!r} is not in the results folder; draw it "
                "first with a chart tool."
            )
        from PIL import Image

        with Image.open(image) as opened:
            pixels_high = opened.size[1]
        sheet.insert_image(
            row,
            col,
            str(image),
            {"x_scale": IMAGE_SCALE, "y_scale": IMAGE_SCALE, "object_position": 3},
        )
        chart_rows[name] = row + math.ceil(pixels_high * IMAGE_SCALE / ROW_PIXELS) + 2
        return
    points = min(len(frame), MAX_CHART_POINTS)
    columns = [str(c) for c in frame.columns]
    x_col = columns.index(spec["x"])
    kind = spec["type"]
    chart = workbook.add_chart({"type": kind})
    first_kind = style.column_kind(spec["y"][0])
    for index, y in enumerate(spec["y"]):
        y_col = columns.index(y)
        color = style.SERIES_COLORS[index % len(style.SERIES_COLORS)]
        series: dict[str, Any] = {
            "name": [name, 0, y_col],
            "categories": [name, 1, x_col, points, x_col],
            "values": [name, 1, y_col, points, y_col],
        }
        if kind in ("line", "scatter"):
            series["line"] = {"color": color, "width": 2}
            series["marker"] = {
                "type": "circle",
                "size": 4,
                "fill": {"color": color},
                "border": {"color": color},
            }
        elif kind != "pie":
            series["fill"] = {"color": color}
            series["gap"] = 60
            if y == "dscr" or y.startswith("dscr_"):
                limit = float(spec.get("threshold", threshold))
                series["points"] = [
                    {"fill": {"color": style.RED}} if value == value and value < limit else None
                    for value in frame[y].head(points).tolist()
                ]
        if index > 0 and style.column_kind(y) != first_kind and kind in ("line", "column"):
            series["y2_axis"] = True
        chart.add_series(series)
    title = spec.get("title") or " and ".join(style.label(y) for y in spec["y"]) + (
        f" by {style.label(spec['x']).lower()}"
    )
    if len(frame) > points:
        title += f" (first {points} rows)"
    chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
    value_axis = {
        "name": style.label(spec["y"][0]),
        "num_format": excel_format(spec["y"][0]),
        "major_gridlines": {"visible": True, "line": {"color": style.LIGHT_GREY}},
    }
    category_axis: dict[str, Any] = {"name": style.label(spec["x"])}
    if style.column_kind(spec["x"]) == "date":
        category_axis["num_format"] = "mmm yyyy"
    if kind == "bar":
        category_axis["reverse"] = True  # keep the sheet's order, top to bottom
        chart.set_x_axis(value_axis)
        chart.set_y_axis(category_axis)
    elif kind != "pie":
        chart.set_x_axis(category_axis)
        chart.set_y_axis(value_axis)
        second = next((y for y in spec["y"][1:] if style.column_kind(y) != first_kind), None)
        if second is not None and kind in ("line", "column"):
            chart.set_y2_axis({"name": style.label(second), "num_format": excel_format(second)})
    chart.set_legend(
        {"none": True} if len(spec["y"]) == 1 and kind != "pie" else {"position": "bottom"}
    )
    height = max(320, min(1400, 18 * points + 120)) if kind == "bar" else 340
    chart.set_size({"width": 760, "height": height})
    sheet.insert_chart(row, col, chart, {"object_position": 3})
    chart_rows[name] = row + int(height / 20) + 2


def _write_summary(
    sheet: Any,
    formats: _Formats,
    title: str | None,
    request: str | None,
    summary: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    generated_at: dt.datetime,
) -> None:
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, 2, 36)
    sheet.write_string(0, 0, title or "Meta-Agent results", formats.title)
    request = request or summary.get("request")
    sheet.write_string(2, 0, "Request", formats.label)
    sheet.write_string(2, 1, str(request) if request else "(not recorded)", formats.wrap)
    sheet.write_string(3, 0, "Generated", formats.label)
    sheet.write_string(3, 1, generated_at.strftime("%Y-%m-%d %H:%M UTC"))
    row = 4
    if summary.get("as_of"):
        sheet.write_string(row, 0, "As of", formats.label)
        sheet.write_string(row, 1, style.format_date(summary["as_of"]))
        row += 1
    figures = [
        (path, value)
        for path, value in style.flatten_figures(summary)
        if path[0] not in ("request", "as_of", "files")
    ]
    row += 1
    if figures:
        sheet.write_string(row, 0, "Key figures", formats.section)
        sheet.write_string(row, 1, "", formats.section)
        sheet.write_string(row, 2, "", formats.section)
        row += 1
        for header_col, header in enumerate(("Figure", "Value", "Key")):
            sheet.write_string(row, header_col, header, formats.header)
        row += 1
        for path, value in figures:
            sheet.write_string(row, 0, style.figure_label(path))
            _write_figure(sheet, row, path, value, formats)
            sheet.write_string(row, 2, ".".join(path), formats.muted)
            row += 1
        row += 1
    sheet.write_string(row, 0, "Sheets", formats.section)
    sheet.write_string(row, 1, "", formats.section)
    row += 1
    for name, frame in tables.items():
        sheet.write_url(row, 0, f"internal:'{name}'!A1", formats.link, string=name)
        sheet.write_string(row, 1, f"{len(frame):,} rows")
        row += 1
    sheet.activate()


def _write_figure(
    sheet: Any, row: int, path: tuple[str, ...], value: Any, formats: _Formats
) -> None:
    kind = style.figure_kind(path)
    if isinstance(value, (bool, str, list, tuple, set)):
        sheet.write_string(row, 1, style.format_figure(path, value), formats.wrap)
    elif style.is_missing(value):
        sheet.write_string(row, 1, style.format_figure(path, value), formats.muted)
    elif isinstance(value, (dt.date, dt.datetime)):
        sheet.write_string(row, 1, style.format_date(value))
    elif hasattr(value, "__float__"):
        fmt = EXCEL_FORMATS["integer"] if kind == "integer" else EXCEL_FORMATS[kind]
        if kind == "percent" and any(style.percent_digits(p) == 2 for p in path):
            fmt = "0.00%"
        sheet.write_number(row, 1, float(value), formats.number(fmt))
    else:
        sheet.write_string(row, 1, str(value))


_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _clean_sheet_name(name: str) -> str:
    cleaned = _INVALID_SHEET_CHARS.sub("-", str(name)).strip().strip("'")[:31].strip()
    return cleaned or "Sheet"


def _sheet_names(keys: Sequence[str]) -> dict[str, str]:
    """Valid, unique Excel sheet names for the given keys (Summary is reserved)."""
    taken = {SUMMARY_SHEET.lower(), "history"}
    names: dict[str, str] = {}
    for key in keys:
        base = _clean_sheet_name(key)
        candidate, counter = base, 2
        while candidate.lower() in taken:
            suffix = f" ({counter})"
            candidate = base[: 31 - len(suffix)] + suffix
            counter += 1
        taken.add(candidate.lower())
        names[key] = candidate
    return names
