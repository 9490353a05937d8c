"""One definition per DOMAIN.md formula and default: the copies that used to drift are gone.

The loan debt-service formula and the at-risk threshold each live in ``meta_agent.formulas``;
the scalar and vector forms agree; and no other module writes the formula or the 1.25 default
again. The source scans fail the moment someone pastes a copy back.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from meta_agent import formulas
from meta_agent.config import Settings

SRC = Path(__file__).resolve().parents[1] / "src" / "meta_agent"


def _sources() -> list[tuple[Path, str]]:
    return [(p, p.read_text(encoding="utf-8")) for p in sorted(SRC.rglob("*.py"))]


@given(
    balance=st.floats(0, 1e9),
    rate=st.floats(0, 0.5),
    months=st.integers(0, 480),
)
def test_scalar_and_vector_debt_service_agree(balance: float, rate: float, months: int) -> None:
    scalar = formulas.annual_debt_service(balance, rate, months)
    vector = formulas.annual_debt_service_vector(
        np.array([balance]), np.array([rate]), np.array([months])
    )[0]
    assert math.isclose(scalar, vector, rel_tol=1e-12, abs_tol=1e-9)


def test_debt_service_matches_domain_formula() -> None:
    # DOMAIN.md: 12 * pmt(r / 12, n, balance); interest-only: balance * rate.
    r, n, pv = 0.065 / 12, 300, 10_000_000.0
    pmt = pv * r / (1 - (1 + r) ** -n)
    assert math.isclose(formulas.annual_debt_service(pv, 0.065, 300), 12 * pmt, rel_tol=1e-12)
    assert formulas.annual_debt_service(pv, 0.065, 0) == pv * 0.065
    assert math.isclose(formulas.annual_debt_service(1200.0, 0.0, 12), 1200.0)


def test_dscr_vector_has_no_value_without_debt() -> None:
    out = formulas.dscr_vector(np.array([100.0, 100.0, np.nan]), np.array([50.0, 0.0, 10.0]))
    assert out[0] == 2.0
    assert np.isnan(out[1]) and np.isnan(out[2])


def test_the_level_payment_formula_is_written_once() -> None:
    pattern = re.compile(
        r"\(\s*1\s*\+\s*\w+\s*\)\s*\*\*\s*\(?\s*-|expm1\(\s*-\s*\w+\s*\*\s*\w*\.?log1p"
    )
    writers = [
        str(path.relative_to(SRC))
        for path, text in _sources()
        if pattern.search(text) and path.name != "formulas.py"
    ]
    assert writers == [], f"the debt-service formula is written again in {writers}"


def test_no_module_defines_its_own_debt_service_function() -> None:
    owners = []
    for path, text in _sources():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef) and node.name in {
                "annual_debt_service",
                "_level_payment",
                "level_payment",
            }:
                owners.append(str(path.relative_to(SRC)))
    assert owners == ["formulas.py"] * len(owners) and owners


def test_the_threshold_default_is_written_once() -> None:
    literal = re.compile(r"(threshold[\w]*\s*(:\s*float\s*)?=\s*|default\s*=\s*)1\.25\b", re.I)
    copies = [
        str(path.relative_to(SRC))
        for path, text in _sources()
        if literal.search(text) and path.name != "formulas.py"
    ]
    assert copies == [], f"1.25 written as a default again in {copies}"
    assert Settings().at_risk_threshold == formulas.DEFAULT_AT_RISK_THRESHOLD == 1.25
