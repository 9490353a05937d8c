"""The planner knows the tool library: tools declare what they answer, and a plug-in that
declares a new metric becomes askable without changing the planner."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from meta_agent.errors import RequestRejected
from meta_agent.planning.resolve import PortfolioDirectory
from meta_agent.planning.rule_based import RuleBasedPlanner
from meta_agent.planning.vocabulary import METRICS
from meta_agent.scripting.generate import ScriptGenerator
from meta_agent.scripting.validate import ScriptValidator
from meta_agent.tool_library.tool_registry import ToolRegistry, default_registry

PLUGIN = '''
import pandas as pd

from meta_agent.tool_library.tool_registry import DeclaredMetric, tool

@tool(
    category="analysis",
    version="0.1.0",
    metrics=[DeclaredMetric("walk_score", "walk score", "count", ("walkability",))],
    intents=["metrics"],
    columns=["walk_score"],
)
def acme_walk_score(data: pd.DataFrame) -> pd.DataFrame:
    """Add each property's walk score (0-100) to the metrics table."""
    return data.assign(walk_score=50.0)
'''


@pytest.fixture
def plugin_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ToolRegistry]:
    """The built-ins plus a third-party pack installed as an entry-point distribution."""
    (tmp_path / "acme_walk.py").write_text(textwrap.dedent(PLUGIN))
    dist = tmp_path / "acme_walk-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-walk\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[meta_agent.tools]\nacme = acme_walk\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = ToolRegistry()
    registry.load_builtins()
    registry.load_entry_points()
    yield registry
    sys.modules.pop("acme_walk", None)
    METRICS.pop("walk_score", None)


def test_builtin_tools_declare_what_they_answer() -> None:
    registry = default_registry(load_plugins=False)
    assert "fetch_portfolio_metrics" in {t.name for t in registry.serving("metrics")}
    assert "group_figures" in {t.name for t in registry.serving("aggregation")}
    assert "select_loans" in {t.name for t in registry.serving("loans")}
    for intent in ("scenario", "comparison", "trend", "outliers", "correlation", "report"):
        assert registry.serving(intent), intent
    listed = registry.get("group_figures").to_dict()["answers"]
    assert "aggregate_dscr" in listed["columns"] and listed["intents"] == ["aggregation"]


def test_a_plugin_metric_is_askable(
    plugin_registry: ToolRegistry, directory: PortfolioDirectory
) -> None:
    planner = RuleBasedPlanner(directory, registry=plugin_registry)
    analysis = planner.analyse("walk score for the retail book, highest first")
    assert analysis.metrics[0] == "walk_score"
    assert analysis.ranking is not None and analysis.ranking.metric == "walk_score"
    plan = planner.plan(analysis)
    added = next(s for s in plan.steps if s.tool == "acme_walk_score")
    assert added.arguments == {"data": {"$ref": "metrics"}}
    ranked = next(s for s in plan.steps if s.tool == "rank_data")
    assert ranked.arguments["data"] == {"$ref": added.id} and ranked.arguments["by"] == "walk_score"
    script = ScriptGenerator(plugin_registry).generate(plan)
    ScriptValidator(plugin_registry).check(script.source, "plug-in plan", thorough=False)


def test_a_plugin_metric_takes_filters(
    plugin_registry: ToolRegistry, directory: PortfolioDirectory
) -> None:
    planner = RuleBasedPlanner(directory, registry=plugin_registry)
    analysis = planner.analyse("properties with walkability above 70")
    assert [(f.metric, f.op, f.value) for f in analysis.filters] == [("walk_score", ">", 70.0)]


def test_without_the_plugin_the_metric_is_refused(directory: PortfolioDirectory) -> None:
    planner = RuleBasedPlanner(directory, registry=default_registry(load_plugins=False))
    with pytest.raises(RequestRejected):
        planner.analyse("walk score for the retail book")


def test_an_intent_no_tool_serves_is_refused(directory: PortfolioDirectory) -> None:
    registry = ToolRegistry()
    registry.load_builtins()
    for name in ("select_loans", "fetch_loans"):
        registry._tools.pop(name)
    planner = RuleBasedPlanner(directory, registry=registry)
    with pytest.raises(RequestRejected, match="loans"):
        planner.plan(planner.analyse("which loans mature in 2027?"))
