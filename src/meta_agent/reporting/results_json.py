"""results.json: the run's summary as strict JSON (RFC 8259), readable by any program.

NaN and infinities become null, numpy scalars and arrays become Python numbers and lists, dates
become ISO text, tables become lists of row objects. Anything else falls back to its text form
rather than failing the run at its last step.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import json
import logging
import math
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any

from meta_agent.reporting.files import write_text_atomic

logger = logging.getLogger(__name__)


def to_jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (dict, list, str, int, float, bool, None)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, (set, frozenset)):
        items = [to_jsonable(item) for item in value]
        return sorted(items, key=lambda item: (str(type(item)), str(item)))
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame: one object per row
        return [to_jsonable(row) for row in value.to_dict(orient="records")]
    if hasattr(value, "to_dict") and hasattr(value, "index"):  # a Series
        return to_jsonable(value.tolist() if _default_index(value) else value.to_dict())
    if isinstance(value, dt.datetime) or type(value).__name__ == "Timestamp":
        moment = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        if moment.tzinfo is None and moment.time() == dt.time(0):
            return moment.date().isoformat()
        return moment.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return to_jsonable(float(value))
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return to_jsonable(value.tolist())
    if hasattr(value, "model_dump"):  # pydantic models
        return to_jsonable(value.model_dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    return str(value)


def write_json(path: Path, value: Any) -> Path:
    """Write ``value`` as strict, indented JSON, atomically."""
    text = json.dumps(to_jsonable(value), allow_nan=False, ensure_ascii=False, indent=2)
    write_text_atomic(path, text + "\n")
    logger.info("json written", extra={"path": str(path)})
    return path


def _default_index(series: Any) -> bool:
    index = series.index
    return type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1
