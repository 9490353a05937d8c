"""Column-wise schema checks behind ``validate_data_format`` (vectorised where the dtype allows)."""

from __future__ import annotations

import datetime as dt
import operator
import re
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ToolError

if TYPE_CHECKING:
    import pandas as pd

TYPES = (
    "number",
    "integer",
    "string",
    "date",
    "datetime",
    "boolean",
    "object",
    "array",
    "null",
    "any",
)
TYPE_ALIASES = {
    "float": "number", "int": "integer", "str": "string", "text": "string", "bool": "boolean",
    "date-time": "datetime", "timestamp": "datetime", "list": "array", "dict": "object",
}  # fmt: skip
MAX_ROWS_SHOWN = 5


def object_schema(
    schema: dict[str, Any],
) -> tuple[dict[str, dict[str, Any]], list[str], bool, tuple[int | None, int | None]]:
    """(column specs, required columns, extra columns allowed, (min rows, max rows)) of a schema."""
    if not isinstance(schema, dict):
        raise TypeError(f"schema must be a dict, not {type(schema).__name__}")
    row_limits: tuple[int | None, int | None] = (None, None)
    if "columns" in schema:
        raw_columns = schema["columns"]
        additional = bool(
            schema.get("additional_columns", schema.get("additionalProperties", True))
        )
    else:
        if schema.get("type") == "array":
            row_limits = (schema.get("minItems"), schema.get("maxItems"))
            schema = schema.get("items") or {}
        if "properties" not in schema:
            raise ToolError(
                "A schema needs 'columns' ({'noi': 'number', ...}) or JSON-Schema 'properties' "
                "(optionally inside {'type': 'array', 'items': ...})."
            )
        raw_columns = schema["properties"]
        additional = schema.get("additionalProperties", True) is not False
    if not isinstance(raw_columns, dict):
        raise ToolError("The schema's columns must be a mapping of column name to type.")
    columns = {str(name): _column_spec(str(name), spec) for name, spec in raw_columns.items()}
    required = schema.get("required") or []
    if not isinstance(required, list):
        raise ToolError("The schema's 'required' must be a list of column names.")
    return columns, [str(name) for name in required], additional, row_limits


def _column_spec(name: str, spec: Any) -> dict[str, Any]:
    spec = {"type": spec} if isinstance(spec, (str, list)) else dict(spec or {})
    raw = spec.get("type", "any")
    names = raw if isinstance(raw, list) else [raw]
    types = []
    for type_name in names:
        resolved = TYPE_ALIASES.get(str(type_name).lower(), str(type_name).lower())
        if resolved == "string" and spec.get("format") in ("date", "date-time"):
            resolved = "date" if spec["format"] == "date" else "datetime"
        if resolved not in TYPES:
            raise ToolError(
                f"Column {name!r} has unknown type {type_name!r}; accepted: {', '.join(TYPES)}."
            )
        types.append(resolved)
    spec["types"] = types
    return dict(spec)


def to_frame(data: Any) -> tuple[pd.DataFrame | None, list[str]]:
    """The data as a table: a DataFrame as is, one record as one row, records as rows."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data, []
    if isinstance(data, dict):
        return pd.DataFrame([data]), []
    if isinstance(data, (list, tuple)):
        errors = [
            f"row {i} is a {type(row).__name__}, not a record (dict)"
            for i, row in enumerate(data)
            if not isinstance(row, dict)
        ]
        return pd.DataFrame([row for row in data if isinstance(row, dict)]), errors
    raise TypeError(
        f"data must be a DataFrame, a list of dicts or a dict, not {type(data).__name__}"
    )


def check_frame(
    frame: pd.DataFrame,
    columns: dict[str, dict[str, Any]],
    required: list[str],
    additional: bool,
    row_limits: tuple[int | None, int | None],
) -> list[str]:
    """Every way the table breaks the schema, one sentence each."""
    errors: list[str] = []
    low, high = row_limits
    if low is not None and len(frame) < low:
        errors.append(f"expected at least {low} row(s), got {len(frame)}")
    if high is not None and len(frame) > high:
        errors.append(f"expected at most {high} row(s), got {len(frame)}")
    present = {str(c) for c in frame.columns}
    errors += [f"missing required column {name!r}" for name in required if name not in present]
    if not additional:
        extra = [str(c) for c in frame.columns if str(c) not in columns]
        if extra:
            errors.append(f"unexpected column(s) {', '.join(map(repr, extra))}")
    for name, spec in columns.items():
        if name in present:
            errors += _check_column(name, frame[name], spec, name in required)
    return errors


def _check_column(name: str, series: pd.Series, spec: dict[str, Any], required: bool) -> list[str]:
    import pandas as pd

    errors: list[str] = []
    types = spec["types"]
    nulls = series.isna()
    nullable = bool(spec.get("nullable", not required)) or "null" in types
    if nulls.any() and not nullable:
        errors.append(f"column {name!r}: {int(nulls.sum())} null value(s){_rows(series[nulls])}")
    values = series[~nulls]
    if values.empty:
        return errors
    if "any" not in types:
        fits = pd.Series(False, index=values.index)
        for type_name in types:
            fits |= _matches(values, type_name).astype(bool)
        if not fits.all():
            bad = values[~fits]
            errors.append(
                f"column {name!r}: {len(bad)} value(s) are not {' or '.join(types)}"
                f"{_rows(bad)}, e.g. {_short(bad.iloc[0])}"
            )
    errors += _check_bounds(name, values, spec)
    return errors


def _check_bounds(name: str, values: pd.Series, spec: dict[str, Any]) -> list[str]:
    import pandas as pd

    errors: list[str] = []
    if "enum" in spec:
        allowed = list(spec["enum"])
        bad = values[[not _in(v, allowed) for v in values]]
        if len(bad):
            errors.append(
                f"column {name!r}: {len(bad)} value(s) not in {allowed}{_rows(bad)}, "
                f"e.g. {_short(bad.iloc[0])}"
            )
    numbers = pd.to_numeric(values.map(_numeric_or_none), errors="coerce").dropna()
    limits = (
        ("minimum", operator.lt, "below"),
        ("exclusiveMinimum", operator.le, "not above"),
        ("maximum", operator.gt, "above"),
        ("exclusiveMaximum", operator.ge, "not below"),
    )
    for key, fails, word in limits:
        if spec.get(key) is not None:
            bad = numbers[fails(numbers, float(spec[key]))]
            if len(bad):
                errors.append(
                    f"column {name!r}: {len(bad)} value(s) {word} {spec[key]}{_rows(bad)}, "
                    f"e.g. {_short(bad.iloc[0])}"
                )
    texts = values[values.map(lambda v: isinstance(v, str))]
    if spec.get("minLength") is not None:
        bad = texts[texts.str.len() < int(spec["minLength"])]
        if len(bad):
            errors.append(f"column {name!r}: {len(bad)} value(s) shorter than {spec['minLength']}")
    if spec.get("maxLength") is not None:
        bad = texts[texts.str.len() > int(spec["maxLength"])]
        if len(bad):
            errors.append(f"column {name!r}: {len(bad)} value(s) longer than {spec['maxLength']}")
    if spec.get("pattern"):
        pattern = re.compile(str(spec["pattern"]))
        bad = texts[[pattern.search(t) is None for t in texts]]
        if len(bad):
            errors.append(
                f"column {name!r}: {len(bad)} value(s) do not match {spec['pattern']!r}"
                f"{_rows(bad)}, e.g. {_short(bad.iloc[0])}"
            )
    return errors


def _matches(values: pd.Series, type_name: str) -> pd.Series:
    """Which (non-null) values are of a schema type."""
    import numpy as np
    import pandas as pd
    from pandas.api import types as ptypes

    dtype = values.dtype
    if type_name == "number":
        if ptypes.is_bool_dtype(dtype):
            return pd.Series(False, index=values.index)
        if ptypes.is_numeric_dtype(dtype):
            return pd.Series(True, index=values.index)
        return values.map(lambda v: _is_number(v))
    if type_name == "integer":
        if ptypes.is_bool_dtype(dtype):
            return pd.Series(False, index=values.index)
        if ptypes.is_integer_dtype(dtype):
            return pd.Series(True, index=values.index)
        return values.map(lambda v: _is_number(v) and _is_integral(v))
    if type_name == "string":
        if isinstance(dtype, pd.StringDtype):
            return pd.Series(True, index=values.index)
        return values.map(lambda v: isinstance(v, str))
    if type_name == "boolean":
        if ptypes.is_bool_dtype(dtype):
            return pd.Series(True, index=values.index)
        return values.map(lambda v: isinstance(v, (bool, np.bool_)))
    if type_name in ("date", "datetime"):
        if ptypes.is_datetime64_any_dtype(dtype):
            return pd.Series(True, index=values.index)
        return values.map(_is_date)
    if type_name == "object":
        return values.map(lambda v: isinstance(v, dict))
    if type_name == "array":
        return values.map(lambda v: isinstance(v, (list, tuple, np.ndarray)))
    return pd.Series(False, index=values.index)  # "null": the values here are not null


def _is_number(value: Any) -> bool:
    import numpy as np

    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _is_integral(value: Any) -> bool:
    """True for integral numbers (3, 3.0), False for 3.5 and infinities."""
    try:
        return float(value).is_integer()
    except (OverflowError, ValueError):
        return False


def _is_date(value: Any) -> bool:
    if isinstance(value, dt.date):  # datetime and pandas Timestamp are dates too
        return True
    if isinstance(value, str):
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                parse(value)
                return True
            except ValueError:
                continue
    return False


def _numeric_or_none(value: Any) -> Any:
    return value if _is_number(value) else None


def _in(value: Any, allowed: list[Any]) -> bool:
    try:
        return value in allowed
    except TypeError:  # an unhashable or uncomparable value is simply not allowed
        return False


def _rows(bad: pd.Series) -> str:
    shown = [str(i) for i in bad.index[:MAX_ROWS_SHOWN]]
    more = ", ..." if len(bad) > MAX_ROWS_SHOWN else ""
    return f" (row {', '.join(shown)}{more})" if shown else ""


def _short(value: Any) -> str:
    text = repr(value.item() if hasattr(value, "item") else value)
    return text if len(text) <= 40 else text[:37] + "..."
