"""The LLM planner's own logic, with a client that returns scripted replies (no HTTP here).

What goes over a real socket (both providers, the CLI, the sandbox) is in
test_llm_planner_http.py; here: the checks, the repairs, the refusal, the restatement, the
custom step's marking and the auto fallback, each in isolation.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from typing import Any

import pytest

from meta_agent.errors import RequestRejected
from meta_agent.llm.base import (
    Budget,
    ChatMessage,
    LLMBudgetExceeded,
    LLMUnavailable,
    StructuredReply,
    Transcript,
)
from meta_agent.planning.fallback import FallbackPlanner
from meta_agent.planning.llm_answer import answer_schema
from meta_agent.planning.llm_planner import LLMPlanner
from meta_agent.planning.resolve import PortfolioDirectory
from meta_agent.planning.rule_based import RuleBasedPlanner
from meta_agent.scripting.generate import ScriptGenerator
from meta_agent.scripting.validate import ScriptValidator
from meta_agent.tool_library.tool_registry import ToolRegistry, default_registry
from tests.planning.llm_answers import (
    CUSHION_REQUEST,
    answer,
    cushion_plan,
    ref,
    step,
    tool_only_plan,
    with_arguments,
    with_tool,
)


class ScriptedClient:
    """An LLMClient that answers from a queue and remembers every conversation it was sent."""

    provider = "scripted"
    model = "scripted-model"

    def __init__(self, *replies: dict[str, Any] | str | Exception) -> None:
        self.replies: deque[dict[str, Any] | str | Exception] = deque(replies)
        self.sent: list[list[ChatMessage]] = []
        self.schemas: list[dict[str, Any]] = []

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        schema: dict[str, Any],
        schema_name: str,
        budget: Budget,
        transcript: Transcript,
    ) -> StructuredReply:
        self.sent.append(list(messages))
        self.schemas.append(schema)
        budget.check()
        item = self.replies.popleft()
        if isinstance(item, Exception):
            raise item
        if isinstance(item, str):
            reply = StructuredReply(None, item, "not JSON: Expecting value", 500, 10, 0.01, None)
        else:
            reply = StructuredReply(item, json.dumps(item), None, 1000, 200, 0.02, 0.001)
        budget.charge(reply)
        transcript.record("response", {"raw": reply.raw})
        return reply


@pytest.fixture(scope="module")
def registry() -> ToolRegistry:
    return default_registry(load_plugins=False)


def make(
    client: ScriptedClient,
    directory: PortfolioDirectory,
    registry: ToolRegistry,
    repairs: int = 2,
) -> LLMPlanner:
    return LLMPlanner(client, directory, registry, max_repairs=repairs)


def test_a_good_answer_becomes_a_checked_plan_with_a_generated_restatement(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    client = ScriptedClient(cushion_plan())
    planner = make(client, directory, registry)
    analysis = planner.analyse(CUSHION_REQUEST)
    plan = planner.plan(analysis)
    assert plan.planner == "llm"
    assert [s.tool for s in plan.steps][:3] == [
        "fetch_portfolio_metrics",
        "filter_data",
        "custom_python",
    ]
    assert [o.filename for o in plan.outputs] == ["retail_shortfall.csv", "results.json"]
    assert plan.outputs[0].headline
    # The restatement comes from the checked steps: scope, condition, files, custom code flagged.
    text = analysis.restatement
    assert text == plan.restatement
    assert "types retail" in text and "DSCR below 1.3x" in text
    assert "retail_shortfall.csv" in text and "CUSTOM CODE (3 lines of Python)" in text
    # The model's prose is a labelled note, never the restatement.
    assert "NOI shortfall" not in text
    assert any("read the request as" in note for note in analysis.interpretations)
    assert any("CUSTOM CODE" in note for note in analysis.interpretations)
    session = planner.last_session()
    assert session is not None
    assert session.usage() == {
        "provider": "scripted",
        "model": "scripted-model",
        "calls": 1,
        "tokens_in": 1000,
        "tokens_out": 200,
        "latency_s": 0.02,
        "cost_usd": 0.001,
        "repairs": 0,
    }


def test_the_custom_step_is_marked_in_the_script_and_passes_the_full_validator(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    planner = make(ScriptedClient(cushion_plan()), directory, registry)
    plan = planner.plan(planner.analyse(CUSHION_REQUEST))
    source = ScriptGenerator(registry).generate(plan).source
    assert "CUSTOM CODE written by the LLM planner: step(s) shortfall" in source
    assert "# ---- CUSTOM CODE, step shortfall" in source
    assert "# ---- END OF CUSTOM CODE, step shortfall" in source
    assert "def custom_shortfall(table):" in source
    assert "shortfall = custom_shortfall(table=below)" in source
    assert ScriptValidator(registry).validate(source, thorough=True) == []
    assert "custom_python" not in plan.tools_used()


def test_what_is_sent_holds_the_tools_the_definitions_and_the_directory_as_data(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    client = ScriptedClient(tool_only_plan())
    make(client, directory, registry).analyse("weakest office debt yields")
    system, user = client.sent[0]
    assert system.role == "system" and "never an instruction" in system.content
    assert "DSCR threshold is 1.25" in system.content
    tools_line = user.content.splitlines()[1]
    tools = {t["name"]: t for t in json.loads(tools_line)}
    assert set(tools) == set(registry.names())
    assert tools["filter_data"]["parameters"] == registry.get("filter_data").parameters
    assert tools["fetch_portfolio_metrics"]["answers"]["intents"]
    assert "DSCR is T12 NOI divided by annual debt service" in user.content
    assert "aggregate dscr = sum of noi / sum of debt_service" in user.content
    data = user.content.split("BEGIN DATA\n")[1].split("\nEND DATA")[0]
    directory_data = json.loads(data)
    assert {p["property_id"] for p in directory_data["properties"]} == set(directory.ids)
    assert directory_data["markets"] == directory.markets
    assert user.content.rstrip().endswith(json.dumps("weakest office debt yields"))
    assert client.schemas[0] == answer_schema()


def test_malformed_json_goes_back_to_the_model_then_the_repair_passes(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    client = ScriptedClient('{"steps": [', tool_only_plan())
    planner = make(client, directory, registry)
    analysis = planner.analyse("weakest office debt yields")
    assert analysis.intent == "ranking"
    repair = client.sent[1]
    assert [m.role for m in repair] == ["system", "user", "assistant", "user"]
    assert repair[2].content == '{"steps": ['
    assert "not a JSON object" in repair[3].content and "repair 1 of 2" in repair[3].content
    session = planner.last_session()
    assert session is not None and session.usage()["repairs"] == 1
    assert session.usage()["calls"] == 2
    assert any("repaired 1 time" in note for note in analysis.interpretations)


def test_a_tool_that_does_not_exist_is_repaired_then_refused(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    bad = with_tool(tool_only_plan(), 1, "rank_dta")
    client = ScriptedClient(bad, bad, bad)
    with pytest.raises(RequestRejected) as refused:
        make(client, directory, registry).analyse("weakest office debt yields")
    message = str(refused.value)
    assert "no tool named 'rank_dta'" in message and "rank_data" in message
    assert "after 2 repair(s)" in message and "Nothing ran" in message
    assert len(client.sent) == 3
    assert "no tool named 'rank_dta'" in client.sent[1][-1].content


def test_arguments_that_break_the_tool_schema_are_named(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    plan = tool_only_plan()
    wrong = [
        with_arguments(plan, 1, limit="three"),  # an integer parameter
        with_arguments(plan, 1, top=3),  # no such parameter
        with_arguments(plan, 0, property_types=["warehouse"]),  # not a type of the portfolio
        with_arguments(plan, 2, filename="../escape.csv"),  # outside results/
        with_arguments(plan, 2, filename="table.exe"),  # not an allowed extension
        with_arguments(plan, 1, data={"$ref": "later"}),  # a result not defined before
    ]
    expected = [
        "rank_data(limit=...): 'three' fits none of",
        "rank_data has no parameter 'top'",
        "'warehouse' is not a property_type of this portfolio",
        "the file name '../escape.csv' is not allowed",
        "must end with one of .csv",
        "{'$ref': 'later'} names no earlier step",
    ]
    for answer_given, problem in zip(wrong, expected, strict=True):
        client = ScriptedClient(answer_given)
        with pytest.raises(RequestRejected, match="failed its checks") as refused:
            make(client, directory, registry, repairs=0).analyse("weakest office debt yields")
        assert problem in str(refused.value), (problem, str(refused.value))


def test_a_custom_step_the_validator_rejects_goes_back_as_a_repair(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    sneaky = cushion_plan(code="import os\nos.system('id')\nreturn table")
    client = ScriptedClient(sneaky, cushion_plan())
    planner = make(client, directory, registry)
    planner.analyse(CUSHION_REQUEST)
    repair = client.sent[1][-1].content
    assert "validator, custom step shortfall" in repair
    assert "line `import os`" in repair and "(rule import)" in repair
    assert planner.last_session() is not None


def test_custom_code_that_writes_files_is_refused_after_the_repairs(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    writer = cushion_plan(code="table.to_csv('/tmp/x.csv')\nreturn table")
    client = ScriptedClient(writer, writer)
    with pytest.raises(RequestRejected) as refused:
        make(client, directory, registry, repairs=1).analyse(CUSHION_REQUEST)
    assert "to_csv" in str(refused.value) and "custom step shortfall" in str(refused.value)


def test_the_model_may_refuse_and_its_reason_is_said(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    client = ScriptedClient(answer(refusal="The portfolio holds no tenant lease data."))
    with pytest.raises(RequestRejected, match="no tenant lease data"):
        make(client, directory, registry).analyse("which tenants roll next year?")
    assert len(client.sent) == 1


@pytest.mark.parametrize("empty", ["none", "None.", "null", "N/A", "},", "", "  "])
def test_a_refusal_without_words_is_no_refusal(
    empty: str, directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    """Small models write "none" (or "},") where the schema asks for null: the plan is checked
    as a plan, and such a "reason" is never shown to a person."""
    client = ScriptedClient(answer(refusal=empty))
    with pytest.raises(RequestRejected) as refused:
        make(client, directory, registry, repairs=0).analyse("which tenants roll next year?")
    assert "could not plan this request" not in str(refused.value)
    assert "failed its checks" in str(refused.value)


def test_unavailable_and_budget_errors_reach_the_caller_unchanged(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    down = ScriptedClient(LLMUnavailable("The openai service at http://x cannot be reached."))
    with pytest.raises(LLMUnavailable, match="cannot be reached"):
        make(down, directory, registry).analyse("anything")
    spent = ScriptedClient("not json", "not json", "not json")
    planner = LLMPlanner(
        spent, directory, registry, new_budget=lambda: Budget(max_tokens=1000, max_seconds=None)
    )
    with pytest.raises(LLMBudgetExceeded, match="1,000 tokens"):
        planner.analyse("anything")


def test_auto_falls_back_to_the_offline_planner_and_says_why(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    offline = RuleBasedPlanner(directory, registry=registry)
    down = ScriptedClient(LLMUnavailable("The service cannot be reached."))
    auto = FallbackPlanner(offline, make(down, directory, registry))
    analysis = auto.analyse("DSCR for all properties")
    plan = auto.plan(analysis)
    assert plan.planner == "rule_based"
    assert analysis.interpretations[0].startswith("The LLM planner could not plan this")
    assert "cannot be reached" in analysis.interpretations[0]
    assert plan.interpretations[0] == analysis.interpretations[0]
    assert auto.last_session() is not None  # the failed conversation is still kept

    unconfigured = FallbackPlanner(offline, None)
    analysis = unconfigured.analyse("DSCR for all properties")
    assert analysis.interpretations[0].startswith("Planned offline: no LLM is configured")
    assert unconfigured.last_session() is None


def test_auto_uses_the_llm_plan_when_it_passes(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    offline = RuleBasedPlanner(directory, registry=registry)
    auto = FallbackPlanner(offline, make(ScriptedClient(cushion_plan()), directory, registry))
    plan = auto.plan(auto.analyse(CUSHION_REQUEST))
    assert plan.planner == "llm"


def test_when_both_refuse_the_refusal_names_both(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    offline = RuleBasedPlanner(directory, registry=registry)
    client = ScriptedClient(answer(refusal="No lease data."))
    auto = FallbackPlanner(offline, make(client, directory, registry))
    with pytest.raises(RequestRejected, match="LLM planner was tried first"):
        auto.analyse("which tenants roll over next spring, by lease?")


def test_reference_keys_and_step_ids_are_checked(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    duplicate = answer(
        step("metrics", "fetch_portfolio_metrics"),
        step("metrics", "summarize_results", data=ref("metrics")),
        step("logger", "write_results_json", summary={"$ref": "metrics", "as": "x"}),
    )
    client = ScriptedClient(duplicate)
    with pytest.raises(RequestRejected) as refused:
        make(client, directory, registry, repairs=0).analyse("x")
    message = str(refused.value)
    assert "already used by an earlier step" in message
    assert "'logger' is reserved" in message
    assert "a reference may only hold $ref and key" in message


def test_custom_code_reads_earlier_results_only_through_its_inputs(
    directory: PortfolioDirectory, registry: ToolRegistry
) -> None:
    closure = cushion_plan(code="return metrics[metrics['dscr'] < 1.3]")
    client = ScriptedClient(closure)
    with pytest.raises(RequestRejected, match="reads metrics without declaring it"):
        make(client, directory, registry, repairs=0).analyse(CUSHION_REQUEST)
