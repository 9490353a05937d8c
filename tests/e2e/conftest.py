"""End-to-end fixtures: one pipeline over the sample portfolio, and reference metrics beside it."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meta_agent.pipeline import Pipeline, RunOutcome
from tests.e2e.reference import Reference, load


@pytest.fixture(scope="module")
def e2e_pipeline(
    sample_db_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pipeline]:
    """A pipeline on the sample portfolio with a runs folder of its own."""
    from meta_agent.config import Settings

    runs = tmp_path_factory.mktemp("runs")
    settings = Settings(database_url=f"sqlite:///{sample_db_path}", runs_dir=runs)
    yield Pipeline(settings)


@pytest.fixture(scope="session")
def refs(sample_db_path: Path) -> dict[str, Reference]:
    return load(sample_db_path)


def rows(outcome: RunOutcome, name: str) -> list[dict[str, str]]:
    assert outcome.run_dir is not None
    path = outcome.run_dir / "results" / name
    assert path.is_file(), f"{name} missing; artifacts: {outcome.artifacts}"
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def summary(outcome: RunOutcome) -> dict[str, Any]:
    assert outcome.run_dir is not None
    return json.loads((outcome.run_dir / "results" / "results.json").read_text())


def number(value: str | None) -> float | None:
    return None if value in (None, "") else float(value)
