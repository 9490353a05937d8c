"""CSV result files: every row and column, full floating-point precision, ISO dates.

A CSV is the machine-readable copy of a result: nothing is rounded or reformatted, missing values
are empty cells, and the file appears complete or not at all.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from meta_agent.reporting.files import atomic_path

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write ``frame`` without its index; floats keep their shortest round-trip representation."""
    with atomic_path(path) as temporary:
        # float_format=None writes repr(float): the shortest text that reads back to the same value.
        frame.to_csv(
            temporary, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d"
        )
    logger.info("csv written", extra={"path": str(path), "rows": len(frame)})
    return path
