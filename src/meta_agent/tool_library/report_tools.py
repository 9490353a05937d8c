"""The executive report tool: the monthly performance report as PDF, Excel workbook and email text.

The layout and the figures live in ``meta_agent.reporting.executive`` and ``.figures``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
from meta_agent.tool_library.tool_registry import tool

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)


@tool(category="reporting", version="1.0.0", side_effects=["writes_files"], intents=("report",))
def build_executive_report(
    metrics: pd.DataFrame,
    monthly: pd.DataFrame,
    request: str | None = None,
    threshold: float = DEFAULT_AT_RISK_THRESHOLD,
    property_monthly: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Build the monthly executive performance report (PDF, Excel workbook, summary.md, charts).

    Writes executive_report.pdf, executive_report.xlsx, summary.md, noi_occupancy_trend.png,
    dscr_by_property.png and dscr_distribution.png, and returns the key figures: latest-month NOI
    with its month-over-month and year-over-year change, T12 NOI, occupancy weighted by square
    feet, the DSCR distribution and at-risk list, breakdowns by property type and market, and the
    five largest movers.

    Args:
        metrics: fetch_portfolio_metrics() output, one row per property.
        monthly: fetch_monthly_performance() output (portfolio totals per month), or per-property
            monthly rows with `property_id`, `period`, `noi`, `occupancy`.
        request: the user's request, printed on the report.
        threshold: DSCR below which a property is at risk.
        property_monthly: per-property monthly NOI (`property_id`, `period`, `noi`, at least the
            latest month and the same month a year earlier); needed for the largest movers.
    """
    from meta_agent.reporting.executive import OUTPUT_FILES, build_report
    from meta_agent.tool_library.outputs import results_dir, results_path

    for name in OUTPUT_FILES:  # the same checks as every writer: inside the folder, no symlinks
        results_path(name)
    return build_report(
        metrics,
        monthly,
        results_dir(),
        request=request,
        threshold=threshold,
        property_monthly=property_monthly,
    )
