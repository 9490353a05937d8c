"""The definitions a report states in its methodology note, from DOMAIN.md, keyed by column.

A report lists the definitions of the metrics it shows, so a reader can check a figure without
asking how it was computed.
"""

from __future__ import annotations

from collections.abc import Iterable

from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD

DEFINITIONS: dict[str, str] = {
    "noi": "T12 NOI is the sum of a property's monthly NOI (effective gross income less "
    "operating expenses) over its latest 12 monthly periods.",
    "debt_service": "Annual debt service is the sum of a property's loans' annual debt service: "
    "12 times the level monthly payment for amortizing loans, balance times rate for "
    "interest-only loans; 0 without loans.",
    "dscr": 'DSCR is T12 NOI divided by annual debt service; it is undefined ("no debt") for a '
    "property without loans.",
    "at_risk": "A property is at risk when its DSCR is below {threshold}; properties without "
    "debt are never at risk.",
    "cap_rate": "Cap rate is T12 NOI over the value of the latest valuation.",
    "ltv": "LTV is the loans' current balance over the value of the latest valuation.",
    "debt_yield": "Debt yield is T12 NOI over the loans' current balance; undefined without debt.",
    "occupancy": "Occupancy is the physical occupancy of the latest month.",
    "expense_ratio": "Expense ratio is operating expenses over effective gross income, over the "
    "latest 12 months.",
    "noi_shock_pct": "A NOI shock of x% multiplies every month's NOI by (1 - x/100) before T12 "
    "NOI is taken.",
    "rate_shock_bp": "A rate shock of +b basis points raises every loan's interest rate by "
    "b/10,000 and recomputes its annual debt service.",
    "similarity_score": "Similar properties have the target's property type and are ranked by a "
    "similarity score of size, age and market; ties are broken by property_id.",
}
ORDER = tuple(DEFINITIONS)


def definitions(names: Iterable[str], threshold: float | None = None) -> list[str]:
    """The definitions of the metrics among ``names`` (columns or figure names), in a fixed order."""
    wanted: set[str] = set()
    for name in names:
        key = str(name).lower()
        if "dscr" in key:
            wanted.add("dscr")
        if key.startswith("at_risk") or key == "threshold":
            wanted.update(("dscr", "at_risk"))
        wanted.update(k for k in ORDER if key == k or key in (f"{k}_mean", f"average_{k}"))
    if "dscr" in wanted:
        wanted.add("debt_service")
        wanted.add("noi")
    limit = f"{threshold if threshold is not None else DEFAULT_AT_RISK_THRESHOLD:.2f}x"
    return [DEFINITIONS[k].format(threshold=limit) for k in ORDER if k in wanted]
