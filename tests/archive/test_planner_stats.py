"""Planner usage and LLM totals in the history, read defensively from hand-written manifests."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from meta_agent.archive.history import RunHistory, llm_totals, llm_usage, planner_of
from meta_agent.archive.record import record_run
from meta_agent.archive.run_folder import RunFolder
from meta_agent.errors import Finding

USAGE = {
    "provider": "openai",
    "model": "gpt-x",
    "calls": 3,
    "tokens_in": 12_000,
    "tokens_out": 900,
    "latency_s": 4.5,
    "cost_usd": 0.05,
    "repairs": 1,
}


@dataclass
class Finished:
    status: str = "succeeded"
    error: str | None = None
    phases: dict[str, float] = field(default_factory=lambda: {"execute": 1.0})
    resources: dict[str, Any] = field(default_factory=dict)
    interpretations: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)
    dry_run: bool = False


def record(runs: Path, run: Any = None, **planning: Any) -> dict[str, Any]:
    folder = RunFolder.create(runs, "r")
    return record_run(
        runs,
        folder,
        run or Finished(),
        kind="ask",
        request="r",
        created_at="2026-12-07T08:00:00.000+00:00",
        **planning,
    )


def test_a_hand_written_manifest_is_read_defensively() -> None:
    assert planner_of({"planner": "llm"}) == "llm"
    assert planner_of({}) is None and planner_of({"planner": 3}) is None
    assert planner_of({"planner": ""}) is None
    assert llm_usage(USAGE) == USAGE
    assert llm_usage(None) is None and llm_usage("llm") is None and llm_usage([1]) is None
    odd = {
        "provider": 1,
        "model": "m",
        "calls": "3",
        "tokens_in": True,
        "tokens_out": -5,
        "latency_s": float("nan"),
        "cost_usd": None,
        "repairs": 2,
        "api_key": "never-read",
    }
    assert llm_usage(odd) == {"model": "m", "repairs": 2}


def test_totals_say_when_no_run_had_a_price() -> None:
    priced = llm_totals([USAGE, None, {**USAGE, "cost_usd": 0.01}])
    assert priced == {
        "runs": 2,
        "calls": 6,
        "tokens_in": 24_000,
        "tokens_out": 1_800,
        "repairs": 2,
        "latency_s": 9.0,
        "cost_usd": pytest.approx(0.06),
        "runs_without_cost": 0,
    }
    unpriced = {k: v for k, v in USAGE.items() if k != "cost_usd"}
    assert llm_totals([unpriced])["cost_usd"] is None
    assert llm_totals([unpriced, USAGE])["runs_without_cost"] == 1
    assert llm_totals([]) == {
        "runs": 0,
        "calls": 0,
        "tokens_in": 0,
        "tokens_out": 0,
        "repairs": 0,
        "latency_s": 0,
        "cost_usd": None,
        "runs_without_cost": 0,
    }


def test_record_run_writes_the_planner_and_the_llm_usage(tmp_path: Path) -> None:
    llm_run = record(tmp_path, planner="llm", llm=USAGE)
    offline = record(tmp_path, planner="rule_based")
    assert llm_run["planner"] == "llm" and llm_run["llm"] == USAGE
    assert offline["planner"] == "rule_based" and "llm" not in offline
    with RunHistory(tmp_path) as history:
        rows = {row.run_id: row for row in history.list()}
    assert rows[llm_run["run_id"]].llm == USAGE
    assert rows[offline["run_id"]].llm is None
    assert rows[offline["run_id"]].planner == "rule_based"


def test_the_planner_may_come_with_the_outcome(tmp_path: Path) -> None:
    @dataclass
    class WithPlanner(Finished):
        planner: str = "llm"
        llm: dict[str, Any] = field(default_factory=lambda: dict(USAGE))

    manifest = record(tmp_path, WithPlanner())
    assert manifest["planner"] == "llm" and manifest["llm"] == USAGE


def test_stats_count_planners_and_add_up_the_llm(tmp_path: Path) -> None:
    record(tmp_path, planner="llm", llm=USAGE)
    record(tmp_path, planner="llm", llm={**USAGE, "cost_usd": 0.02, "repairs": 0})
    record(tmp_path, planner="rule_based")
    record(tmp_path)  # an exec or a simulation: no planner
    with RunHistory(tmp_path) as history:
        stats = history.stats()
    assert stats.total == 4
    assert stats.planner_usage == {"llm": 2, "rule_based": 1}
    assert stats.llm["runs"] == 2 and stats.llm["calls"] == 6
    assert (stats.llm["tokens_in"], stats.llm["tokens_out"]) == (24_000, 1_800)
    assert stats.llm["cost_usd"] == pytest.approx(0.07) and stats.llm["repairs"] == 1


def test_a_hand_edited_llm_column_is_no_usage(tmp_path: Path) -> None:
    manifest = record(tmp_path, planner="llm", llm=USAGE)
    with sqlite3.connect(tmp_path / "history.db") as db:
        db.execute("UPDATE runs SET llm = '{not json' WHERE run_id = ?", (manifest["run_id"],))
    db.close()
    with RunHistory(tmp_path) as history:
        assert history.get(manifest["run_id"]).llm is None
        assert history.stats().llm["runs"] == 0


def test_an_older_history_gains_the_columns(tmp_path: Path) -> None:
    from meta_agent.archive.migrations import MIGRATIONS
    from meta_agent.archive.sql import HistoryDB

    with HistoryDB(f"sqlite:///{tmp_path / 'history.db'}") as db, db.transaction():
        db.ddl("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        for name, function in MIGRATIONS:
            if name == "m005_add_planner_and_llm":
                break
            function(db)
            db.execute("INSERT INTO _migrations VALUES (?, 'then')", (name,))
        db.execute(
            "INSERT INTO runs (run_id, kind, request, status, created_at, run_dir) "
            "VALUES ('old', 'ask', 'r', 'succeeded', '2026-01-01', '/x')"
        )
    with RunHistory(tmp_path) as history:
        old = history.get("old")
        assert (old.planner, old.llm) == (None, None)
        assert history.stats().planner_usage == {}
