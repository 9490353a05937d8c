"""Data tools: reshape, filter, rank, aggregate and summarise tables, and write result files.

Tables keep DOMAIN.md's column names and full precision; nothing here rounds. Writers resolve their
file names inside the run's results folder (``outputs.results_path``) and write atomically: a
temporary file in that folder, renamed into place once complete. The file formats themselves live
in ``meta_agent.reporting`` (csv, excel, pdf, results_json).
"""

from __future__ import annotations

import logging
import math
import numbers
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ToolError
from meta_agent.tool_library.tool_registry import tool

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

TRANSFORM_OPERATIONS = ("select", "drop", "rename", "derive", "sort", "limit", "drop_missing")
DERIVE_OPERATORS = ("+", "-", "*", "/")
FILTER_OPERATORS = ("<", "<=", ">", ">=", "==", "!=", "in", "not_in", "is_null", "not_null")
AGGREGATIONS = {
    "sum": "sum",
    "mean": "mean",
    "avg": "mean",
    "average": "mean",
    "median": "median",
    "min": "min",
    "max": "max",
    "count": "count",
    "std": "std",
}
ID_COLUMNS = ("property_id", "name")
# Ratios of a property: their group figure is a ratio of sums (group_figures), never a sum.
RATIO_COLUMNS = frozenset(
    {"dscr", "cap_rate", "ltv", "debt_yield", "occupancy", "expense_ratio", "interest_rate"}
)
DOMAIN_METRICS = ("noi", "debt_service", "dscr", "cap_rate", "ltv", "debt_yield", "occupancy")
ADDITIVE_METRICS = frozenset(
    {
        "noi",
        "debt_service",
        "egi",
        "operating_expenses",
        "loan_balance",
        "value",
        "effective_gross_income",
        "gross_potential_rent",
        "current_balance",
        "original_balance",
        "annual_debt_service",
    }
)


# --- reshaping ---------------------------------------------------------------------------------


@tool(category="data", version="1.0.0")
def transform_data(data: pd.DataFrame, operations: list[dict[str, Any]]) -> pd.DataFrame:
    """Reshape a table with a list of operations applied in order (select, rename, derive, sort...).

    Args:
        data: the table to reshape.
        operations: each one of {"op": "select", "columns": [...]}, {"op": "drop", "columns":
            [...]}, {"op": "rename", "columns": {"old": "new"}}, {"op": "derive", "column":
            "noi_psf", "left": "noi", "operator": "/", "right": "square_feet"} (right: a column or
            a number; x/0 is missing, never infinite), {"op": "sort", "by": "dscr", "descending":
            false} (missing values last), {"op": "limit", "n": 10}, {"op": "drop_missing",
            "columns": [...]}.
    """
    frame = _as_frame(data).copy()
    if not isinstance(operations, list):
        raise TypeError("operations must be a list of dicts")
    for step, operation in enumerate(operations, start=1):
        if not isinstance(operation, dict) or operation.get("op") not in TRANSFORM_OPERATIONS:
            raise ToolError(
                f"Operation {step} ({operation!r}) is not understood; each operation "
                f"needs an 'op' among {list(TRANSFORM_OPERATIONS)}."
            )
        frame = _TRANSFORMS[operation["op"]](frame, operation)
    return frame.reset_index(drop=True)


def _select(frame: pd.DataFrame, operation: dict[str, Any]) -> pd.DataFrame:
    columns = _column_list(operation.get("columns"), "select")
    _require(frame, columns)
    return frame[columns]


def _drop(frame: pd.DataFrame, operation: dict[str, Any]) -> pd.DataFrame:
    columns = _column_list(operation.get("columns"), "drop")
    _require(frame, columns)
    return frame.drop(columns=columns)


def _rename(frame: pd.DataFrame, operation: dict[str, Any]) -> pd.DataFrame:
    mapping = operation.get("columns")
    if not isinstance(mapping, dict) or not all(isinstance(v, str) and v for v in mapping.values()):
        raise ToolError("A rename needs 'columns': {'old_name': 'new_name', ...}.")
    _require(frame, list(mapping))
    return frame.rename(columns=mapping)


def _derive(frame: pd.DataFrame, operation: dict[str, Any]) -> pd.DataFrame:
    import numpy as np

    column, left, operator, right = (
        operation.get(k) for k in ("column", "left", "operator", "right")
    )
    if not isinstance(column, str) or not column or operator not in DERIVE_OPERATORS:
        raise ToolError(
            "A derive needs 'column' (the new name), 'left' (a column), 'operator' "
            f"(one of {list(DERIVE_OPERATORS)}) and 'right' (a column or a number)."
        )
    if not isinstance(left, str):
        raise ToolError(f"'left' must be a column name, not {left!r}.")
    _require(frame, [left])
    a = _numeric(frame, left)
    if isinstance(right, str):
        _require(frame, [right])
        b: Any = _numeric(frame, right)
    elif isinstance(right, numbers.Real) and not isinstance(right, bool):
        b = float(right)
    else:
        raise ToolError(f"'right' must be a column name or a number, not {right!r}.")
    with np.errstate(divide="ignore", invalid="ignore"):
        result = {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[operator]
    result = result.where(np.isfinite(result))  # x/0 has no value; it is not infinite
    return frame.assign(**{column: result})


def _sort(frame: pd.DataFrame, operation: dict[str, Any]) -> pd.DataFrame:
    by = operation.get("by")
    columns = [by] if isinstance(by, str) else _column_list(by, "sort")
    _require(frame, columns)
    ascending = not bool(operation.get("descending", False))
    return frame.sort_values(columns, ascending=ascending, na_position="last", kind="mergesort")


def _limit(frame: pd.DataFrame, operation: dict[str, Any]) -> pd.DataFrame:
    n = operation.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ToolError(f"A limit needs 'n', a whole number of rows of 0 or more; got {n!r}.")
    return frame.head(n)


def _drop_missing(frame: pd.DataFrame, operation: dict[str, Any]) -> pd.DataFrame:
    columns = _column_list(operation.get("columns"), "drop_missing")
    _require(frame, columns)
    return frame.dropna(subset=columns)


_TRANSFORMS = {
    "select": _select,
    "drop": _drop,
    "rename": _rename,
    "derive": _derive,
    "sort": _sort,
    "limit": _limit,
    "drop_missing": _drop_missing,
}


@tool(category="data", version="1.0.0")
def filter_data(data: pd.DataFrame, conditions: list[dict[str, Any]]) -> pd.DataFrame:
    """Keep the rows that meet every condition, e.g. {"column": "dscr", "op": "<", "value": 1.25}.

    A missing value never meets a comparison (a property with no debt is not "DSCR < 1.2").
    Text is compared without regard to case.

    Args:
        data: the table to filter.
        conditions: each {"column", "op", "value"}; op one of < <= > >= == != in not_in is_null
            not_null (in / not_in take a list; is_null / not_null take no value).
    """
    frame = _as_frame(data)
    if not isinstance(conditions, list):
        raise TypeError("conditions must be a list of dicts")
    keep = None
    for condition in conditions:
        mask = _condition_mask(frame, condition)
        keep = mask if keep is None else keep & mask
    result = frame if keep is None else frame[keep.to_numpy(dtype=bool)]
    return result.reset_index(drop=True)


def _condition_mask(frame: pd.DataFrame, condition: Any) -> pd.Series:
    import pandas as pd

    if not isinstance(condition, dict) or "column" not in condition:
        raise ToolError(f"Condition {condition!r} needs 'column', 'op' and 'value'.")
    column, op, value = condition["column"], condition.get("op", "=="), condition.get("value")
    op = {"=": "==", "<>": "!=", "not in": "not_in", "is null": "is_null"}.get(op, op)
    if op not in FILTER_OPERATORS:
        raise ToolError(f"Unknown filter operator {op!r}; use one of {list(FILTER_OPERATORS)}.")
    _require(frame, [column])
    series = frame[column]
    if op == "is_null":
        return series.isna()
    if op == "not_null":
        return series.notna()
    if op in ("in", "not_in"):
        if not isinstance(value, (list, tuple, set)):
            raise ToolError(
                f"'{op}' needs a list of values, e.g. ['retail', 'office']; got {value!r}."
            )
        values = [_comparable(series, v) for v in value]
        if _is_text(series):
            values = [str(v).casefold() for v in values]
            series = series.astype("string").str.casefold()
        mask = series.isin(values) & series.notna()
        return ~mask & frame[column].notna() if op == "not_in" else mask
    target = _comparable(series, value)
    if _is_text(series):
        if not isinstance(target, str):
            raise ToolError(f"Column {column!r} holds text; compare it with text, not {value!r}.")
        series, target = series.astype("string").str.casefold(), target.casefold()
    elif pd.api.types.is_numeric_dtype(series) and not isinstance(target, numbers.Real):
        raise ToolError(
            f"Column {column!r} holds numbers; compare it with a number, not {value!r}."
        )
    compare = {
        "<": series.lt,
        "<=": series.le,
        ">": series.gt,
        ">=": series.ge,
        "==": series.eq,
        "!=": series.ne,
    }[op]
    return compare(target).fillna(False).astype(bool) & series.notna()


@tool(category="data", version="1.1.0", intents=("ranking",))
def rank_data(
    data: pd.DataFrame,
    by: str,
    descending: bool = False,
    limit: int | None = None,
    keep_ties: bool = False,
    within: str | None = None,
) -> pd.DataFrame:
    """Sort by one column (missing values always last, ties by property_id) and keep the first `limit` rows.

    Args:
        data: the table to rank.
        by: the column to sort by, e.g. "dscr".
        descending: largest first (e.g. top NOI) when true; smallest first (worst DSCR) when false.
        limit: how many rows to keep; all when omitted.
        keep_ties: also keep rows equal to the last one kept ("which market has the most
            at-risk properties" when two markets have as many).
        within: rank inside each group of this column ("the top 3 by NOI in each market"):
            the groups in order, `limit` rows kept per group.
    """
    frame = _as_frame(data)
    _require(frame, [by] if within is None else [by, within])
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ToolError(f"limit must be a whole number of rows (0 or more); got {limit!r}.")
    keys, ascending = [by], [not descending]
    if "property_id" in frame.columns and by != "property_id":
        keys.append("property_id")
        ascending.append(True)
    ranked = frame.sort_values(keys, ascending=ascending, na_position="last", kind="mergesort")
    if within is None:
        return _first_rows(ranked, by, limit, keep_ties).reset_index(drop=True)
    import pandas as pd

    grouped = ranked.sort_values(within, kind="mergesort", na_position="last")
    parts = [
        _first_rows(part, by, limit, keep_ties)
        for _, part in grouped.groupby(within, sort=False, dropna=False)
    ]
    return (pd.concat(parts) if parts else grouped).reset_index(drop=True)


def _first_rows(ranked: pd.DataFrame, by: str, limit: int | None, keep_ties: bool) -> pd.DataFrame:
    """The first `limit` rows of a ranked table, and those tied with the last one if asked."""
    if limit is None:
        return ranked
    kept = ranked.head(limit)
    last = kept[by].iloc[-1] if len(kept) else None
    if keep_ties and limit < len(ranked) and last is not None and last == last:  # not NaN
        kept = ranked[ranked.index.isin(kept.index) | (ranked[by] == last)]
    return kept


@tool(category="data", version="1.0.0", intents=("aggregation", "count"))
def aggregate_metrics(
    data: pd.DataFrame, group_by: str | list[str] | None, aggregations: dict[str, str]
) -> pd.DataFrame:
    """Aggregate metrics per group (or over the whole table), e.g. {"cap_rate": "mean", "noi": "sum"}.

    Result columns keep the metric's name (`cap_rate`, `noi`); a count of property_id or name is
    `property_count`, a count of another column `<column>_count` (its non-missing values). Sums of
    only-missing values are missing, not 0. Groups are sorted by their keys.

    Args:
        data: the table to aggregate.
        group_by: a column or columns to group by; None for one row over everything.
        aggregations: {"column": "sum|mean|avg|median|min|max|count|std"}.
    """
    import pandas as pd

    frame = _as_frame(data)
    keys = [group_by] if isinstance(group_by, str) else list(group_by or [])
    if not isinstance(aggregations, dict) or not aggregations:
        raise ToolError("aggregations must name at least one column, e.g. {'noi': 'sum'}.")
    _require(frame, keys + list(aggregations))
    named: dict[str, Any] = {}
    for column, function in aggregations.items():
        how = AGGREGATIONS.get(str(function).lower())
        if how is None:
            raise ToolError(
                f"Unknown aggregation {function!r} for {column!r}; use one of "
                f"{sorted(set(AGGREGATIONS))}."
            )
        if how != "count" and not pd.api.types.is_numeric_dtype(frame[column]):
            raise ToolError(f"Cannot take the {how} of {column!r}: it is not numeric.")
        if how == "sum" and column in RATIO_COLUMNS:
            raise ToolError(
                f"A sum of {column!r} means nothing: a group's {column} is the ratio of its sums "
                "(DOMAIN.md); use group_figures(data, [...], group_by, 'aggregate')."
            )
        name = (
            column
            if how != "count"
            else ("property_count" if column in ID_COLUMNS else f"{column}_count")
        )
        if name in named or name in keys:
            name = f"{column}_{how}"
        named[name] = (column, how)
    if not keys:
        row = {name: _aggregate(frame[column], how) for name, (column, how) in named.items()}
        return pd.DataFrame([row])
    grouped = frame.groupby(keys, dropna=False, sort=True)
    result = grouped.agg(**named)
    for name, (column, how) in named.items():
        if how == "sum":  # a sum over nothing but missing values is missing, not 0
            result[name] = result[name].where(grouped[column].count() > 0)
    return result.reset_index()


def _aggregate(series: pd.Series, how: str) -> Any:
    return series.sum(min_count=1) if how == "sum" else series.agg(how)


@tool(category="data", version="1.1.0")
def summarize_results(
    data: pd.DataFrame, metrics: list[str] | None = None, threshold: float | None = None
) -> dict[str, Any]:
    """The main figures of a table: row count, per metric mean/min/max/count, and the at-risk list.

    At-risk figures come from the `at_risk` column, or from `dscr` < threshold when a threshold is
    given (properties with no debt are never at risk), with the aggregate DSCR of the table's
    properties with debt when it has `noi` and `debt_service`. A table with a `scenario` column
    gets them per scenario under `by_scenario`.

    Args:
        data: the table to summarise.
        metrics: the numeric columns to describe; default the DOMAIN.md metrics present.
        threshold: DSCR below which a property is at risk.
    """
    frame = _as_frame(data).reset_index(drop=True)
    chosen = list(metrics) if metrics is not None else _default_metrics(frame)
    _require(frame, chosen)
    summary: dict[str, Any] = {"row_count": len(frame), "metrics": {}}
    for column in chosen:
        summary["metrics"][column] = _describe(frame, column)
    flags = _at_risk_flags(frame, threshold)
    if threshold is not None:
        summary["threshold"] = float(threshold)
    if "has_debt" in frame.columns:
        summary["no_debt_count"] = int((~frame["has_debt"].fillna(False).astype(bool)).sum())
    if flags is None:
        return summary
    ids = frame["property_id"] if "property_id" in frame.columns else frame.index.to_series()
    if "scenario" in frame.columns:
        summary["by_scenario"] = {
            str(name): _risk_figures(
                frame.loc[group.index], flags.loc[group.index], ids.loc[group.index]
            )
            for name, group in frame.groupby("scenario", sort=False)
        }
    else:
        summary.update(_risk_figures(frame, flags, ids))
    return summary


def _default_metrics(frame: pd.DataFrame) -> list[str]:
    import pandas as pd

    present = [m for m in DOMAIN_METRICS if m in frame.columns]
    if present:
        return present
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    return [str(c) for c in numeric][:12]


def _describe(frame: pd.DataFrame, column: str) -> dict[str, Any]:
    import pandas as pd

    series = frame[column]
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return {"count": int(series.notna().sum())}
    figures = {
        "count": int(series.notna().sum()),
        "mean": _float(series.mean()),
        "min": _float(series.min()),
        "max": _float(series.max()),
    }
    if column in ADDITIVE_METRICS:
        figures["total"] = _float(series.sum(min_count=1))
    return figures


def _at_risk_flags(frame: pd.DataFrame, threshold: float | None) -> pd.Series | None:
    if threshold is not None and "dscr" in frame.columns:
        has_debt = (
            frame["has_debt"].fillna(False).astype(bool)
            if "has_debt" in frame.columns
            else frame["dscr"].notna()
        )
        return has_debt & frame["dscr"].notna() & (frame["dscr"] < threshold)
    if "at_risk" in frame.columns:
        return frame["at_risk"].fillna(False).astype(bool)
    return None


def _risk_figures(frame: pd.DataFrame, flags: pd.Series, ids: pd.Series) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "at_risk_count": int(flags.sum()),
        "at_risk_ids": [str(i) for i in ids[flags.to_numpy(dtype=bool)].tolist()],
    }
    if {"noi", "debt_service"} <= set(frame.columns):  # DOMAIN.md's figure of the group
        levered = frame["debt_service"].fillna(0) > 0
        debt = float(frame.loc[levered, "debt_service"].sum())
        figures["aggregate_dscr"] = float(frame.loc[levered, "noi"].sum()) / debt if debt else None
    if "dscr" in frame.columns:
        figures["average_dscr"] = _float(frame["dscr"].mean())
        figures["min_dscr"] = _float(frame["dscr"].min())
    return figures


# --- writers -----------------------------------------------------------------------------------


@tool(category="data", version="1.0.0", side_effects=["writes_files"])
def export_to_csv(data: pd.DataFrame, filename: str) -> str:
    """Write a table to a CSV file in the results folder, every value at full precision.

    Args:
        data: the table to write.
        filename: a .csv name, e.g. "dscr_by_property.csv".
    """
    from meta_agent.reporting.csv import write_csv
    from meta_agent.tool_library.outputs import results_path

    write_csv(results_path(filename, (".csv",)), _as_frame(data))
    return filename


@tool(category="data", version="1.0.0", side_effects=["writes_files"])
def export_to_excel(
    sheets: dict[str, pd.DataFrame] | pd.DataFrame,
    filename: str,
    title: str | None = None,
    summary: dict[str, Any] | None = None,
    charts: list[dict[str, Any] | str] | None = None,
) -> str:
    """Write an Excel workbook: a Summary sheet, then one formatted sheet per table, with native charts.

    Sheets get a bold header row, frozen panes, filters, fitted widths, number formats ($, 1.23x,
    %), and at-risk rows highlighted.

    Args:
        sheets: {"sheet name": table} or a single table.
        filename: a .xlsx name.
        title: the title on the Summary sheet.
        summary: key figures listed on the Summary sheet (e.g. summarize_results() output).
        charts: native Excel charts, each {"sheet": name, "type": "column|bar|line|pie|scatter",
            "x": column, "y": column or [columns], "title": text}; or a PNG drawn by a chart tool,
            as its file name ("dscr_by_property.png") or {"image": "chart.png", "sheet": name}.
    """
    from meta_agent.reporting.excel import write_workbook
    from meta_agent.tool_library.outputs import results_path

    path = results_path(filename, (".xlsx",))
    if isinstance(sheets, dict):
        tables = {str(name): _as_frame(table) for name, table in sheets.items()}
    else:
        tables = {path.stem: _as_frame(sheets)}
    if not tables:
        raise ToolError("export_to_excel needs at least one table to write.")
    specs = [{"image": c} if isinstance(c, str) else c for c in charts or []]
    write_workbook(path, tables, title=title, summary=summary, charts=specs)
    return filename


@tool(category="data", version="1.0.0", side_effects=["writes_files"])
def export_to_pdf(
    filename: str,
    title: str,
    tables: dict[str, pd.DataFrame] | None = None,
    key_figures: dict[str, Any] | None = None,
    charts: list[str] | None = None,
    request: str | None = None,
) -> str:
    """Write a PDF report: title block with the request, key figures as tiles, tables, and charts.

    Tables break across pages with their header repeated; values are formatted by column ($,
    1.23x, %); at-risk rows are tinted. Tables longer than 1,000 rows are cut with a note.

    Args:
        filename: a .pdf name.
        title: the report title.
        tables: {"section title": table}.
        key_figures: figures shown as tiles (nested dicts are flattened), e.g. summarize_results().
        charts: PNG files in the results folder, drawn earlier by chart tools.
        request: the user's request, printed under the title.
    """
    from meta_agent.reporting.results_report import write_results_pdf
    from meta_agent.tool_library.outputs import results_path

    path = results_path(filename, (".pdf",))
    images = [results_path(chart, (".png",)) for chart in charts or []]
    missing = [
        chart for chart, image in zip(charts or [], images, strict=True) if not image.exists()
    ]
    if missing:
        raise ToolError(
            f"Chart(s) {missing} are not in the results folder; draw them first with a chart "
            "tool (PDF charts must be PNG)."
        )
    frames = {str(section): _as_frame(table) for section, table in (tables or {}).items()}
    write_results_pdf(path, title, frames, key_figures or {}, images, request)
    return filename


@tool(category="data", version="1.0.0", side_effects=["writes_files"])
def write_results_json(summary: dict[str, Any], filename: str = "results.json") -> str:
    """Write the run's summary as strict JSON (NaN -> null, numpy -> Python, dates -> ISO, tables -> rows).

    Args:
        summary: the figures to record, e.g. summarize_results() or build_executive_report() output.
        filename: a .json name.
    """
    from meta_agent.reporting.results_json import write_json
    from meta_agent.tool_library.outputs import results_path

    write_json(results_path(filename, (".json",)), summary)
    return filename


# --- helpers -----------------------------------------------------------------------------------


def _as_frame(data: Any) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a list of row dicts, or a dict holding a table (``series``)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, list) and all(isinstance(row, dict) for row in data):
        return pd.DataFrame(data)
    if isinstance(data, pd.Series):
        return data.to_frame()
    if isinstance(data, dict):
        tables = [v for v in data.values() if isinstance(v, pd.DataFrame)]
        if len(tables) == 1:
            return tables[0]
        if all(not isinstance(v, (dict, list, pd.DataFrame)) for v in data.values()):
            return pd.DataFrame([data])
    raise TypeError(f"expected a table (DataFrame or list of row dicts), got {type(data).__name__}")


def _require(frame: pd.DataFrame, columns: list[Any]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ToolError(
            f"The table has no column(s) {missing}; it has {list(map(str, frame.columns))}."
        )


def _column_list(columns: Any, op: str) -> list[str]:
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
        raise ToolError(f"'{op}' needs 'columns': a non-empty list of column names.")
    return columns


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    import pandas as pd

    series = frame[column]
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise ToolError(f"Column {column!r} is not numeric; derive works on numbers.")
    return series.astype("float64")


def _is_text(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series))


def _comparable(series: pd.Series, value: Any) -> Any:
    """The filter value in the column's terms: dates for date columns, numbers as given."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series) and isinstance(value, str):
        try:
            return pd.Timestamp(value)
        except ValueError:
            raise ToolError(f"{value!r} is not a date such as 2025-12-01.") from None
    return value


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
