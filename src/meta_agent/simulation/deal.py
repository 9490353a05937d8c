"""The metrics of one deal from its values: DSCR, debt yield, LTV, cap rate, break-even occupancy.

Debt service is the value given, or the loan's annual debt service from ``formulas`` (DOMAIN.md's
definition); value is the value given, or NOI / cap rate. A metric whose denominator is missing
or zero is None ("no debt" for DSCR), never a made-up number.
"""

from __future__ import annotations

from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD, annual_debt_service
from meta_agent.simulation.parameters import DealParameters

DEAL_FIGURES = (
    "noi",
    "debt_service",
    "dscr",
    "at_risk",
    "debt_yield",
    "ltv",
    "cap_rate",
    "value",
    "break_even_occupancy",
)


def deal_metrics(
    deal: DealParameters, threshold: float = DEFAULT_AT_RISK_THRESHOLD
) -> dict[str, float | bool | None]:
    """The deal's figures by name (``DEAL_FIGURES``).

    Break-even occupancy is the occupancy at which NOI just covers debt service, with revenue
    proportional to occupancy and operating expenses fixed: occupancy x (expenses + debt service)
    / (NOI + expenses). Without ``operating_expenses`` they count as 0, so it is occupancy / DSCR.
    It needs ``occupancy``.
    """
    service = deal.debt_service
    if service is None:
        months = 0 if deal.interest_only else int(deal.amortization_months or 0)
        if deal.loan_amount is None or deal.interest_rate is None:  # the model refuses this
            raise ValueError("a deal without debt_service needs loan_amount and interest_rate")
        service = annual_debt_service(deal.loan_amount, deal.interest_rate, months)
    value = deal.value
    if value is None and deal.cap_rate is not None:
        value = deal.noi / deal.cap_rate
    dscr = deal.noi / service if service > 0 else None
    cap_rate = deal.cap_rate if deal.value is None else (deal.noi / value if value else None)
    break_even = None
    if deal.occupancy is not None and service > 0:
        expenses = deal.operating_expenses or 0.0
        income = deal.noi + expenses
        break_even = deal.occupancy * (expenses + service) / income if income > 0 else None
    loan = deal.loan_amount
    return {
        "noi": deal.noi,
        "debt_service": service,
        "dscr": dscr,
        "at_risk": dscr is not None and dscr < threshold,
        "debt_yield": deal.noi / loan if loan else None,
        "ltv": loan / value if loan and value else None,
        "cap_rate": cap_rate,
        "value": value,
        "break_even_occupancy": break_even,
    }
