"""Shared check for the reading families: the analysis a request must get, and full coverage."""

from __future__ import annotations

from typing import Any

import pytest

from meta_agent.planning.models import RequirementAnalysis
from meta_agent.planning.rule_based import RuleBasedPlanner

Case = tuple[str, dict[str, Any]]


def read(planner: RuleBasedPlanner, request: str) -> RequirementAnalysis:
    """Analyse, and assert that every token was consumed or filler."""
    tokens, analysis = planner.parser.read(request)
    from meta_agent.planning.coverage import account

    left = [a.text for a in account(tokens, analysis) if a.status == "unexplained"]
    assert left == [], f"{request!r}: unexplained {left}"
    assert analysis.restatement, request
    return analysis


def check(analysis: RequirementAnalysis, expected: dict[str, Any]) -> None:
    """Compare the fields named in ``expected``; shorthand keys for nested fields."""
    for key, want in expected.items():
        if key == "ids":
            assert [p.property_id for p in analysis.properties] == want
        elif key == "filters":
            got = [(f.metric, f.op, pytest.approx(f.value)) for f in analysis.filters]
            assert got == want, analysis.filters
        elif key == "scenarios":
            got = [(s.noi_shock_pct, s.rate_shock_bp) for s in analysis.scenarios]
            assert got == want, got
        elif key == "ranking":
            r = analysis.ranking
            assert r is not None and (r.metric, r.descending, r.limit) == want, r
        elif key == "aggregation":
            g = analysis.aggregation
            assert g is not None and (g.function, g.metrics, g.group_by) == want, g
        elif key == "within":
            assert analysis.ranking is not None and analysis.ranking.within == want, (
                analysis.ranking
            )
        elif key == "having":
            g = analysis.aggregation
            assert g is not None, analysis
            got = [(f.metric, f.op, pytest.approx(f.value)) for f in g.having]
            assert got == want, g.having
        elif key == "keep":
            assert analysis.aggregation is not None and analysis.aggregation.keep == want
        elif key == "loans":
            q = analysis.loans
            assert q is not None
            assert q.model_dump(exclude_defaults=True) == want, q
        elif key == "outputs_include":
            assert set(want) <= set(analysis.outputs), analysis.outputs
        elif key == "says":
            assert want in analysis.restatement, analysis.restatement
        elif key in ("property_types", "markets", "states", "cities", "property_ids", "has_debt"):
            assert getattr(analysis.scope, key) == want, analysis.scope
        else:
            assert getattr(analysis, key) == want, key
