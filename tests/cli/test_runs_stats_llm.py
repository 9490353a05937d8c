"""``runs stats`` shows planner usage and LLM totals (text and --json)."""

from __future__ import annotations

from pathlib import Path

from meta_agent.archive.record import record_run
from meta_agent.archive.run_folder import RunFolder
from tests.archive.test_planner_stats import USAGE, Finished


def _record(runs: Path, **planning: object) -> None:
    folder = RunFolder.create(runs, "r")
    record_run(
        runs, folder, Finished(), kind="ask", request="r", created_at="2026-12-07", **planning
    )


def test_runs_stats_shows_planners_and_llm_use(cli, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _record(runs, planner="llm", llm=USAGE)
    _record(runs, planner="rule_based")
    _record(runs, planner="rule_based")
    shown = cli("runs", "--runs-dir", str(runs), "stats")
    assert shown.code == 0
    assert "Planners" in shown.stdout
    assert "rule_based" in shown.stdout and "llm" in shown.stdout
    assert (
        "LLM: 1 run, 3 calls, 12,000 tokens in, 900 out, 1 repairs, 4.5 s; cost $0.0500"
        in shown.stdout
    )
    as_json = cli("runs", "--runs-dir", str(runs), "stats", "--json").json()
    assert as_json["planner_usage"] == {"rule_based": 2, "llm": 1}
    assert as_json["llm"]["tokens_out"] == 900 and as_json["llm"]["cost_usd"] == 0.05


def test_runs_stats_without_llm_runs_says_nothing_of_it(cli, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    _record(runs)
    shown = cli("runs", "--runs-dir", str(runs), "stats")
    assert shown.code == 0 and "LLM:" not in shown.stdout and "Planners" not in shown.stdout
