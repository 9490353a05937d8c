"""Reference metrics computed straight from DOMAIN.md with sqlite3 and plain Python.

Independent of the tool library on purpose: end-to-end tests compare what a run wrote against this.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Reference:
    property_id: str
    name: str
    property_type: str
    state: str
    market: str
    city: str
    noi: float
    debt_service: float
    loan_balance: float
    value: float | None
    occupancy: float
    loans: list[tuple[float, float, int]]  # original_balance, interest_rate, amortization_months

    @property
    def dscr(self) -> float | None:
        return self.noi / self.debt_service if self.debt_service else None

    @property
    def cap_rate(self) -> float | None:
        return self.noi / self.value if self.value else None

    @property
    def ltv(self) -> float | None:
        return self.loan_balance / self.value if self.value else None

    @property
    def debt_yield(self) -> float | None:
        return self.noi / self.loan_balance if self.loan_balance else None

    def dscr_under(self, noi_shock_pct: float = 0.0, rate_shock_bp: float = 0.0) -> float | None:
        if not self.loans:
            return None
        service = sum(
            annual_debt_service(balance, rate + rate_shock_bp / 10_000, months)
            for balance, rate, months in self.loans
        )
        return self.noi * (1 - noi_shock_pct / 100) / service


def annual_debt_service(balance: float, rate: float, months: int) -> float:
    if months == 0:
        return balance * rate
    monthly = rate / 12
    if monthly == 0:
        return 12 * balance / months
    return 12 * balance * monthly / (1 - (1 + monthly) ** -months)


def load(db_path: Path) -> dict[str, Reference]:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    refs: dict[str, Reference] = {}
    for pid, name, ptype, state, market, city in db.execute(
        "SELECT property_id, name, property_type, state, market, city FROM properties"
    ):
        periods = db.execute(
            "SELECT noi, occupancy FROM financials WHERE property_id = ? ORDER BY period DESC LIMIT 12",
            (pid,),
        ).fetchall()
        loans = db.execute(
            "SELECT original_balance, interest_rate, amortization_months, annual_debt_service, "
            "current_balance FROM loans WHERE property_id = ?",
            (pid,),
        ).fetchall()
        value = db.execute(
            "SELECT value FROM valuations WHERE property_id = ? ORDER BY valuation_date DESC LIMIT 1",
            (pid,),
        ).fetchone()
        refs[pid] = Reference(
            property_id=pid,
            name=name,
            property_type=ptype,
            state=state,
            market=market,
            city=city,
            noi=math.fsum(row[0] for row in periods),
            debt_service=math.fsum(row[3] for row in loans),
            loan_balance=math.fsum(row[4] for row in loans),
            value=value[0] if value else None,
            occupancy=periods[0][1],
            loans=[(row[0], row[1], row[2]) for row in loans],
        )
    db.close()
    return refs
