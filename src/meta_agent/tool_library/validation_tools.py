"""Validation tools: property ids, data formats, data quality, and metrics re-computed from inputs.

The quality checks and the metric definitions are DOMAIN.md's: EGI = GPR - vacancy + other income,
NOI = EGI - operating expenses, DSCR = NOI / debt service, cap rate = NOI / value,
LTV = loan balance / value, debt yield = NOI / loan balance.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ToolError, UnknownProperty
from meta_agent.tool_library.tool_registry import tool

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

logger = logging.getLogger(__name__)

# Slugs such as "orlando_fashion_square"; spaces, dots and dashes are accepted and normalised.
PROPERTY_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,119}$")
MAX_SUGGESTIONS = 5
SUGGESTION_CUTOFF = 60.0  # rapidfuzz WRatio score below which a name is not "close"

QUALITY_COLUMNS = ("check", "column", "property_id", "period", "detail")
QUALITY_CHECKS = ("nulls", "ranges", "duplicates", "gaps", "noi_identity", "egi_identity")
QUALITY_RULES = ("checks", "not_null", "ranges", "non_negative", "keys", "tolerance")
# Columns that must never be empty where they appear (units, dscr, ... may be null by design).
NOT_NULL_COLUMNS = (
    "property_id", "name", "period", "gross_potential_rent", "vacancy_loss", "other_income",
    "effective_gross_income", "operating_expenses", "noi", "occupancy",
)  # fmt: skip
# Money that cannot be negative (NOI can, and so can other_income adjustments in some books).
NON_NEGATIVE_COLUMNS = (
    "gross_potential_rent", "vacancy_loss", "effective_gross_income", "egi", "operating_expenses",
    "capex", "debt_service", "annual_debt_service", "loan_balance", "current_balance",
    "original_balance", "value", "acquisition_price", "square_feet",
)  # fmt: skip
FRACTION_COLUMNS = ("occupancy", "vacancy_rate")
IDENTITY_TOLERANCE = 0.01  # USD: statements are kept to the cent

VERIFY_REL_TOLERANCE = 1e-6
INPUT_NAMES = {
    "noi": ("noi", "t12_noi"),
    "debt_service": ("debt_service", "annual_debt_service"),
    "value": ("value", "property_value"),
    "loan_balance": ("loan_balance", "current_balance"),
}
METRIC_FORMULAS = {
    "dscr": ("noi", "debt_service"),
    "cap_rate": ("noi", "value"),
    "ltv": ("loan_balance", "value"),
    "debt_yield": ("noi", "loan_balance"),
}


@tool(category="validation", version="1.0.0", side_effects=["reads_database"])
def validate_property_id(property_id: str) -> str:
    """The normalised id of an existing property; UnknownProperty naming close matches otherwise.

    Args:
        property_id: an id such as "orlando_fashion_square"; case, spaces and dashes are
            normalised, and an exact property name is accepted too.
    """
    if not isinstance(property_id, str):
        raise TypeError(f"property_id must be a string, not {type(property_id).__name__}")
    raw = " ".join(property_id.split())
    if not PROPERTY_ID_PATTERN.match(raw):
        raise ToolError(
            f"{property_id!r} is not a property id: ids are slugs of letters, digits and "
            "underscores, such as 'orlando_fashion_square'."
        )
    slug = re.sub(r"[\s.\-_]+", "_", raw.lower())
    from meta_agent.tool_library.database_tools import query_database

    found = query_database(
        "SELECT property_id, name FROM properties "
        "WHERE property_id IN (:raw, :slug) OR lower(name) = :name ORDER BY property_id",
        {"raw": raw, "slug": slug, "name": raw.lower()},
    )
    ids = [str(v) for v in found["property_id"]]
    for wanted in (raw, slug):
        if wanted in ids:
            return wanted
    if len(ids) == 1:  # the exact (case-insensitive) name of one property
        return ids[0]
    directory = query_database("SELECT property_id, name FROM properties ORDER BY property_id")
    close = _close_properties(raw, slug, directory)
    hint = f" Close matches: {', '.join(close)}." if close else ""
    raise UnknownProperty(
        f"No property with id {raw!r} in the portfolio ({len(directory)} properties).{hint} "
        "`fetch_property_directory` lists every property id and name."
    )


def _close_properties(raw: str, slug: str, directory: pd.DataFrame) -> list[str]:
    from rapidfuzz import fuzz, process

    ids = [str(v) for v in directory["property_id"]]
    names = [str(v) for v in directory["name"]]
    scores: dict[int, float] = {}
    for query, choices in ((slug, ids), (raw, names)):
        for _, score, index in process.extract(
            query,
            choices,
            scorer=fuzz.WRatio,
            limit=MAX_SUGGESTIONS,
            score_cutoff=SUGGESTION_CUTOFF,
        ):
            scores[index] = max(score, scores.get(index, 0.0))
    best = sorted(scores, key=lambda i: (-scores[i], ids[i]))[:MAX_SUGGESTIONS]
    return [f"{ids[i]} ({names[i]})" for i in best]


@tool(category="validation", version="1.0.0")
def validate_data_format(
    data: pd.DataFrame | list[dict[str, Any]] | dict[str, Any], schema: dict[str, Any]
) -> dict[str, Any]:
    """Check a table or record against a schema; returns {"valid", "errors", "rows", "columns"}.

    Args:
        data: a table, a list of records, or one record.
        schema: {"columns": {"noi": "number", ...}, "required": [...]} with types number,
            integer, string, date, datetime, boolean, object, array, any (a column may also be a
            dict with type, enum, minimum, maximum, pattern, nullable...), or JSON-Schema-like
            {"type": "object", "properties": {...}, "required": [...]} (or an array of such
            items). Nulls are accepted except in required columns or where nullable is false.
    """
    from meta_agent.tool_library._format_check import check_frame, object_schema, to_frame

    columns, required, additional, row_limits = object_schema(schema)
    frame, errors = to_frame(data)
    if frame is not None:
        errors += check_frame(frame, columns, required, additional, row_limits)
    return {
        "valid": not errors,
        "errors": errors,
        "rows": 0 if frame is None else len(frame),
        "columns": [] if frame is None else [str(c) for c in frame.columns],
    }


@tool(category="validation", version="1.0.0")
def check_data_quality(data: pd.DataFrame, rules: dict[str, Any] | None = None) -> pd.DataFrame:
    """Find data problems; one row per issue with columns check, column, property_id, period, detail.

    Checks: ``nulls`` (in the key and financial columns), ``ranges`` (occupancy and vacancy_rate
    in 0..1, money non-negative), ``duplicates`` (of property_id + period), ``gaps`` (missing
    months, or quarters, per property), ``noi_identity`` (NOI = EGI - operating expenses) and
    ``egi_identity`` (EGI = GPR - vacancy loss + other income), both within 0.01. Rows are
    identified by loan_id, property_id + period, property_id + valuation_date, market +
    property_type + period, or property_id, whichever the table has first.

    Args:
        data: a table such as financials, fetch_portfolio_metrics or market_data rows.
        rules: optional overrides: "checks" (names to run), "not_null" (columns), "ranges"
            ({"column": [min, max]}, None for open), "non_negative" (columns), "keys" (columns
            that identify a row) and "tolerance" (USD, default 0.01).
    """
    import pandas as pd

    from meta_agent.tool_library._quality_checks import run_checks

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    settings = _quality_settings(data, rules or {})
    issues = run_checks(data, settings)
    logger.info("data quality checked", extra={"rows": len(data), "issues": len(issues)})
    return pd.DataFrame(issues, columns=list(QUALITY_COLUMNS))


def _quality_settings(data: pd.DataFrame, rules: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(rules) - set(QUALITY_RULES))
    if unknown:
        raise ToolError(f"Unknown data quality rule(s) {unknown}; accepted: {list(QUALITY_RULES)}.")
    checks = list(rules.get("checks") or QUALITY_CHECKS)
    bad = [c for c in checks if c not in QUALITY_CHECKS]
    if bad:
        raise ToolError(f"Unknown data quality check(s) {bad}; accepted: {list(QUALITY_CHECKS)}.")
    present = set(data.columns)
    ranges: dict[str, tuple[float | None, float | None]] = {}
    for column in rules.get("non_negative", NON_NEGATIVE_COLUMNS):
        ranges[column] = (0.0, None)
    for column in FRACTION_COLUMNS:
        ranges[column] = (0.0, 1.0)
    for column, bounds in (rules.get("ranges") or {}).items():
        if not isinstance(bounds, Sequence) or len(bounds) != 2:
            raise ToolError(
                f"Range for {column!r} must be [min, max] (None for open), not {bounds!r}."
            )
        ranges[column] = (bounds[0], bounds[1])
    keys = list(rules.get("keys") or _default_keys(present))
    tolerance = float(rules.get("tolerance", IDENTITY_TOLERANCE))
    return {
        "checks": checks,
        "not_null": [c for c in rules.get("not_null", NOT_NULL_COLUMNS) if c in present],
        "ranges": {c: b for c, b in ranges.items() if c in present},
        "keys": [c for c in keys if c in present],
        "tolerance": tolerance,
    }


def _default_keys(present: set[str]) -> list[str]:
    """The columns that identify a row of the DOMAIN.md tables (and of per-property results)."""
    for key in (
        ["loan_id"],
        ["property_id", "period"],
        ["property_id", "valuation_date"],
        ["market", "property_type", "period"],
        ["property_id"],
    ):
        if set(key) <= present:
            return key
    return []


@tool(category="validation", version="1.0.0")
def verify_calculations(
    inputs: dict[str, Any], outputs: dict[str, Any], expected: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Recompute DSCR, cap rate, LTV and debt yield from inputs and compare with the outputs.

    Returns ``passed`` (every checked metric agrees), ``metrics`` ({metric: passed, expected,
    actual, formula, mismatches}), ``skipped`` ({metric: why}) and ``rel_tolerance``. Values may
    be numbers or equal-length lists (a column each). A metric the definitions leave undefined
    (DSCR with no debt service, debt yield with no loan balance) must be null in the outputs.

    Args:
        inputs: noi (T12), debt_service (annual), value (latest valuation), loan_balance.
        outputs: any of dscr, cap_rate, ltv, debt_yield, as computed by the code under test.
        expected: optional reference values that replace the recomputed ones, and
            "rel_tolerance" (default 1e-6).
    """
    expected = dict(expected or {})
    tolerance = float(expected.pop("rel_tolerance", VERIFY_REL_TOLERANCE))
    values = {name: _input(inputs, aliases) for name, aliases in INPUT_NAMES.items()}
    metrics: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for metric, (top, bottom) in METRIC_FORMULAS.items():
        if metric not in outputs:
            skipped[metric] = "not in outputs"
            continue
        numerator, denominator = values[top], values[bottom]
        if metric in expected:
            reference, source = _array(expected[metric]), "expected"
        elif numerator is None or denominator is None:
            skipped[metric] = f"needs {top} and {bottom} in inputs"
            continue
        else:
            reference, source = _ratio(numerator, denominator), "recomputed"
        metrics[metric] = _compare(metric, reference, _array(outputs[metric]), tolerance, source)
    if not metrics:
        raise ToolError(
            "Nothing to verify: outputs must hold at least one of dscr, cap_rate, ltv, "
            "debt_yield, with its inputs (noi, debt_service, value, loan_balance)."
        )
    return {
        "passed": all(m["passed"] for m in metrics.values()),
        "metrics": metrics,
        "skipped": skipped,
        "rel_tolerance": tolerance,
    }


def _input(inputs: dict[str, Any], aliases: tuple[str, ...]) -> np.ndarray | None:
    for alias in aliases:
        if alias in inputs and inputs[alias] is not None:
            return _array(inputs[alias])
    return None


def _array(value: Any) -> np.ndarray:
    import numpy as np
    import pandas as pd

    if isinstance(value, (str, bool, dict)):
        raise TypeError(f"metric values must be numbers or lists of numbers, not {value!r}")
    scalar = value is None or np.isscalar(value)
    series = pd.Series([value] if scalar else list(value), dtype=object)
    numbers: np.ndarray = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    return numbers.reshape(()) if scalar else numbers


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    import numpy as np

    # DOMAIN.md: DSCR is undefined with no debt service, debt yield with no loan balance, and a
    # cap rate or LTV needs a positive valuation. LTV with no loans is 0 / value = 0.
    undefined = bottom <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.divide(top, bottom)
    return np.where(undefined | np.isnan(bottom) | np.isnan(top), np.nan, ratio)


def _compare(
    metric: str, reference: np.ndarray, actual: np.ndarray, tolerance: float, source: str
) -> dict[str, Any]:
    import numpy as np

    try:
        reference, actual = np.broadcast_arrays(reference, actual)
    except ValueError:
        raise ToolError(
            f"{metric}: {reference.size} input value(s) but {actual.size} output value(s); "
            "give one value per property in each."
        ) from None
    both_undefined = np.isnan(reference) & np.isnan(actual)
    close = np.isclose(actual, reference, rtol=tolerance, atol=1e-12)
    agree = both_undefined | close
    top, bottom = METRIC_FORMULAS[metric]
    return {
        "passed": bool(agree.all()),
        "expected": _plain(reference),
        "actual": _plain(actual),
        "formula": f"{top} / {bottom}",
        "source": source,
        "mismatches": int((~agree).sum()),
    }


def _plain(values: np.ndarray) -> Any:
    """Floats (None for undefined) in the shape given: one number or a list."""
    plain = [None if math.isnan(v) else float(v) for v in values.reshape(-1).tolist()]
    return plain[0] if values.ndim == 0 else plain
