"""The comparison of a batch: one row per scenario, its parameters and key figures side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from meta_agent.simulation.parameters import SHOCK_FIELDS

if TYPE_CHECKING:
    from meta_agent.simulation.runner import ScenarioResult

# The figures a person reads first, in this order; any others follow.
LEADING_FIGURES = (
    "dscr", "dscr_change", "at_risk_count", "at_risk_change", "average_dscr", "min_dscr",
    "p5_dscr", "median_dscr", "p95_dscr", "aggregate_ltv", "properties", "with_debt",
    "total_noi", "total_debt_service", "noi", "debt_service", "debt_yield", "ltv", "cap_rate",
    "value", "break_even_occupancy", "at_risk",
)  # fmt: skip
SKIPPED_FIGURES = ("aggregate_dscr",)  # the same number as ``dscr``


def comparison_table(results: Sequence[ScenarioResult]) -> pd.DataFrame:
    """Scenario, kind, status, parameters, figures and the error of a failed one."""
    rows: list[dict[str, Any]] = []
    parameter_columns: list[str] = []
    figure_columns: list[str] = []
    for result in results:
        parameters = dict(result.parameters)
        if result.kind == "shock":
            parameters = {name: parameters.get(name, 0.0) for name in SHOCK_FIELDS} | parameters
        for key, value in parameters.items():
            if isinstance(value, list):
                parameters[key] = ", ".join(str(v) for v in value)
        parameter_columns += [k for k in parameters if k not in parameter_columns]
        figures = {k: v for k, v in result.summary.items() if k not in SKIPPED_FIGURES}
        figure_columns += [k for k in figures if k not in figure_columns]
        rows.append(
            {"scenario": result.name, "kind": result.kind, "status": result.status}
            | parameters
            | figures
            | {"error": result.error}
        )
    # A deal's given noi or value is also one of its figures (the same number, or the derived
    # one when it was not given): one column, the figure's.
    parameter_columns = [c for c in parameter_columns if c not in figure_columns]
    leading = [f for f in LEADING_FIGURES if f in figure_columns]
    figures_ordered = leading + [f for f in figure_columns if f not in leading]
    columns = ["scenario", "kind", "status", *parameter_columns, *figures_ordered, "error"]
    return pd.DataFrame(rows, columns=columns)
