"""The loan book's debt service: the loan formula's numbers, exactly, for every kind of loan."""

from __future__ import annotations

import numpy as np
import pandas as pd

from meta_agent.formulas import annual_debt_service_vector
from meta_agent.simulation.scenarios import LoanBook


def test_loan_debt_service_equals_the_formula_bit_for_bit() -> None:
    rng = np.random.default_rng(11)
    count = 400
    loans = pd.DataFrame(
        {
            "property_id": [f"p{i % 150}" for i in range(count)],
            "original_balance": rng.uniform(1e5, 8e7, count),
            "interest_rate": rng.uniform(0.0, 0.12, count),
            "amortization_months": rng.choice([0, 1, 120, 300, 360], count).astype(float),
        }
    )
    loans.loc[3, "original_balance"] = -5.0  # invalid: NaN, as the formula says
    loans.loc[4, "amortization_months"] = 12.5
    loans.loc[5, "interest_rate"] = np.nan
    loans.loc[6, "interest_rate"] = 0.0
    book = LoanBook.from_frame(loans, [f"p{i}" for i in range(150)])
    shifts = np.concatenate([[0.0, -1_200.0, 10_000.0], rng.normal(0, 150, 300)])
    rates = np.maximum(book.interest_rate[None, :] + shifts[:, None] / 10_000.0, 0.0)
    want = annual_debt_service_vector(
        book.original_balance[None, :], rates, book.amortization_months[None, :]
    )
    got = book.loan_debt_service(shifts)
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got[:, [3, 4, 5]]).all()
    assert np.isfinite(np.delete(got, [3, 4, 5], axis=1)).all()
