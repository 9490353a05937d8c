"""Script generation: plan in, readable and valid Python out, cached by the plan's hash."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from meta_agent.planning.models import ExecutionPlan, ExpectedOutput, PlanStep
from meta_agent.scripts.generate import ScriptGenerator
from meta_agent.tool_library.tool_registry import ToolRegistry, tool

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@tool(category="database", side_effects=["reads_database"])
def load_things(kinds: list[str] | None = None) -> pd.DataFrame:  # noqa: F821
    """Load things."""
    raise AssertionError("not called")


@tool(category="analysis")
def score_things(data: pd.DataFrame, threshold: float = 1.25) -> dict[str, Any]:  # noqa: F821
    """Score things."""
    raise AssertionError("not called")


@tool(category="data", side_effects=["writes_files"])
def save_table(data: pd.DataFrame, filename: str) -> str:  # noqa: F821
    """Save a table."""
    raise AssertionError("not called")


@pytest.fixture()
def registry() -> ToolRegistry:
    reg = ToolRegistry()
    for function in (load_things, score_things, save_table):
        reg.register(function)
    return reg


def plan(threshold: float = 1.25, request: str = "score all things") -> ExecutionPlan:
    return ExecutionPlan(
        request=request,
        goal="Score every thing",
        steps=[
            PlanStep(
                id="things",
                tool="load_things",
                arguments={"kinds": ["a", "b"]},
                description="Load the things",
            ),
            PlanStep(
                id="scores",
                tool="score_things",
                arguments={"data": {"$ref": "things"}, "threshold": threshold},
                description='Score them at 10% "strict"',
            ),
            PlanStep(
                id="saved",
                tool="save_table",
                arguments={"data": {"$ref": "scores", "key": "table"}, "filename": "s.csv"},
                description="Save the scores",
            ),
        ],
        outputs=[ExpectedOutput(filename="s.csv", kind="csv")],
        interpretations=["read 'thngs' as things"],
    )


def test_renders_valid_readable_python(registry: ToolRegistry) -> None:
    source = ScriptGenerator(registry).generate(plan(), now=NOW).source
    tree = ast.parse(source)
    assert ast.get_docstring(tree).startswith("Score every thing")
    assert "Request:   score all things" in source
    assert plan().content_hash() in source
    assert "read 'thngs' as things" in source
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert [(i.module, [a.name for a in i.names]) for i in imports] == [
        (__name__, ["load_things", "save_table", "score_things"])
    ]
    assert "things = load_things(kinds=['a', 'b'])" in source
    assert "scores = score_things(things, threshold=1.25)" in source
    assert "save_table(scores['table'], filename='s.csv')" in source
    assert "saved =" not in source  # an unused result is not bound
    assert 'logger.info("Step 2/3: Score them at 10% \\"strict\\"")' in source
    assert "if things.empty:" in source  # a database read that finds nothing stops the run
    assert "logger.exception" in source and "raise" in source


def test_same_plan_same_script_from_cache(registry: ToolRegistry, tmp_path: Path) -> None:
    generator = ScriptGenerator(registry, tmp_path / "cache")
    first = generator.generate(plan(), now=NOW)
    second = generator.generate(plan(), now=NOW + dt.timedelta(hours=1))
    assert not first.from_cache and second.from_cache
    assert first.source == second.source
    other = generator.generate(plan(threshold=1.35), now=NOW)
    assert not other.from_cache and other.plan_hash != first.plan_hash


def test_hostile_request_text_cannot_break_out_of_the_docstring(registry: ToolRegistry) -> None:
    request = 'x"""\nimport os\nos.system("echo pwned")\n"""\\N{BULLET}'
    source = ScriptGenerator(registry).generate(plan(request=request), now=NOW).source
    tree = ast.parse(source)
    assert not any(isinstance(n, ast.Import) and n.names[0].name == "os" for n in tree.body)
    assert "os.system" not in [ast.unparse(n) for n in tree.body]


def test_unknown_argument_is_a_programming_error(registry: ToolRegistry) -> None:
    bad = plan()
    bad.steps[0].arguments["nope"] = 1
    with pytest.raises(ValueError, match="unknown argument"):
        ScriptGenerator(registry).generate(bad, now=NOW)


def test_long_calls_are_split_one_argument_per_line(registry: ToolRegistry) -> None:
    long_plan = plan()
    long_plan.steps[0].arguments["kinds"] = [f"kind_number_{i}" for i in range(12)]
    source = ScriptGenerator(registry).generate(long_plan, now=NOW).source
    ast.parse(source)
    assert max(len(line) for line in source.splitlines() if "kind_number" in line) < 200
    assert "things = load_things(\n" in source
