"""Requests run end to end in the docker sandbox, through a real engine: the same files, the same
numbers as every other backend (tests/e2e/reference.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from meta_agent.config import Settings
from meta_agent.pipeline import Pipeline
from tests.e2e.conftest import number, rows, summary
from tests.e2e.reference import Reference

pytestmark = pytest.mark.docker


@pytest.fixture(autouse=True)
def engine() -> None:
    from meta_agent.runtime.docker import docker_problem

    problem = docker_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"a Docker engine is required under CI=true: {problem}")
        pytest.skip(f"docker backend not testable here: {problem} (scripts/docker-engine)")


def _check_use_case_one(outcome: object, refs: dict[str, Reference]) -> None:
    table = rows(outcome, "dscr_by_property.csv")  # type: ignore[arg-type]
    assert {r["property_id"] for r in table} == set(refs)
    for row in table:
        expected = refs[row["property_id"]].dscr
        actual = number(row["dscr"])
        assert (actual is None) if expected is None else actual == pytest.approx(expected, rel=1e-9)
    at_risk = {p for p, r in refs.items() if r.dscr is not None and r.dscr < 1.25}
    assert {r["property_id"] for r in rows(outcome, "at_risk_properties.csv")} == at_risk  # type: ignore[arg-type]
    assert summary(outcome)["at_risk_count"] == len(at_risk)  # type: ignore[arg-type]


def test_use_case_one_in_docker(
    sample_db_path: Path, refs: dict[str, Reference], tmp_path: Path
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{sample_db_path}", runs_dir=tmp_path / "runs", sandbox="docker"
    )
    outcome = Pipeline(settings).ask(
        "Calculate DSCR for all properties and identify at-risk assets"
    )
    assert outcome.status == "succeeded", outcome.error
    assert outcome.resources["backend"] == "docker"
    _check_use_case_one(outcome, refs)


def test_a_report_with_charts_in_docker(sample_db_path: Path, tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{sample_db_path}", runs_dir=tmp_path / "runs", sandbox="docker"
    )
    outcome = Pipeline(settings).ask("give me a PDF of at-risk loans for the credit committee")
    assert outcome.status == "succeeded", outcome.error
    assert any(name.endswith(".pdf") for name in outcome.artifacts)
    assert outcome.run_dir is not None
    pdf = next((outcome.run_dir / "results").rglob("*.pdf"))
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_uid == os.getuid()


@pytest.mark.postgres
def test_use_case_one_on_postgres_in_docker(
    postgres_url: str, refs: dict[str, Reference], tmp_path: Path
) -> None:
    from meta_agent.portfolio.engine import dispose_engines
    from meta_agent.portfolio.generator import generate_portfolio

    generate_portfolio(postgres_url, properties=60, seed=42, force=True)
    settings = Settings(database_url=postgres_url, runs_dir=tmp_path / "runs", sandbox="docker")
    try:
        outcome = Pipeline(settings).ask(
            "Calculate DSCR for all properties and identify at-risk assets"
        )
    finally:
        dispose_engines(postgres_url)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.resources["backend"] == "docker"
    _check_use_case_one(outcome, refs)
