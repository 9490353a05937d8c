"""The same request on PostgreSQL: same seed, same portfolio, same numbers, through the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from meta_agent.config import Settings
from meta_agent.pipeline import Pipeline
from tests.e2e.conftest import number, rows
from tests.e2e.reference import Reference


@pytest.mark.postgres
def test_use_case_one_on_postgres_matches_the_sqlite_reference(
    postgres_url: str, refs: dict[str, Reference], tmp_path: Path
) -> None:
    from meta_agent.portfolio.engine import dispose_engines
    from meta_agent.portfolio.generator import generate_portfolio

    generate_portfolio(postgres_url, properties=60, seed=42, force=True)
    pipeline = Pipeline(Settings(database_url=postgres_url, runs_dir=tmp_path / "runs"))
    try:
        outcome = pipeline.ask("Calculate DSCR for all properties and identify at-risk assets")
    finally:
        dispose_engines(postgres_url)  # the session's database is dropped after the tests
    assert outcome.status == "succeeded", outcome.error
    table = rows(outcome, "dscr_by_property.csv")
    assert {r["property_id"] for r in table} == set(refs)
    for row in table:
        expected = refs[row["property_id"]].dscr
        actual = number(row["dscr"])
        assert (actual is None) if expected is None else actual == pytest.approx(expected, rel=1e-9)
