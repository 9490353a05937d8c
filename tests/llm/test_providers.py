"""Both providers through their real SDKs, over a real socket, against the loopback server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meta_agent.llm.base import (
    TRANSCRIPT_FILE,
    Budget,
    ChatMessage,
    LLMBudgetExceeded,
    LLMClient,
    LLMUnavailable,
    Transcript,
)
from meta_agent.llm.factory import make_client
from meta_agent.llm.openai_provider import OpenAIClient
from tests.llm.loopback import KEY, MODEL, LoopbackLLM, Reply, closed_port_url, llm_settings

PROVIDERS = ["openai", "anthropic"]
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"steps": {"type": "array", "items": {"type": "string"}}},
    "required": ["steps"],
    "additionalProperties": False,
}
MESSAGES = [
    ChatMessage("system", "You plan analyses of a real-estate portfolio."),
    ChatMessage("user", "Which properties are below 1.25x DSCR?"),
]
PLAN = {"steps": ["load", "dscr", "filter"]}


class Waits(list[float]):
    """Records the waits the call loop asks for instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(
    server: LoopbackLLM | str, provider: str, waits: Waits | None = None, **settings: Any
) -> LLMClient:
    """make_client's client, with the waits recorded (and not slept) when ``waits`` is given."""
    client = make_client(llm_settings(server, provider, **settings))
    if waits is not None:
        client._loop.sleep = waits  # type: ignore[attr-defined]
    return client


def ask(client: LLMClient, budget: Budget | None = None, transcript: Transcript | None = None):
    return client.complete(
        MESSAGES,
        schema=SCHEMA,
        schema_name="ExecutionPlan",
        budget=budget if budget is not None else Budget(),
        transcript=transcript if transcript is not None else Transcript(),
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_good_answer_is_the_object_with_its_usage(llm_server, provider) -> None:
    llm_server.answer(PLAN, tokens_in=321, tokens_out=45)
    budget = Budget()
    reply = ask(client_for(llm_server, provider), budget)
    assert reply.data == PLAN and reply.error is None
    assert json.loads(reply.raw) == PLAN
    assert (reply.tokens_in, reply.tokens_out, reply.cost_usd) == (321, 45, None)
    assert reply.latency_s > 0
    assert (budget.calls, budget.tokens_used) == (1, 366)


def test_openai_asks_for_the_json_schema_with_the_messages(llm_server) -> None:
    llm_server.answer(PLAN)
    ask(client_for(llm_server, "openai"))
    (request,) = llm_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == MODEL
    assert request.body["messages"] == [
        {"role": "system", "content": MESSAGES[0].content},
        {"role": "user", "content": MESSAGES[1].content},
    ]
    assert request.body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "ExecutionPlan", "schema": SCHEMA, "strict": True},
    }
    assert "tools" not in request.body


def test_anthropic_forces_one_tool_whose_input_is_the_schema(llm_server) -> None:
    llm_server.answer(PLAN)
    ask(client_for(llm_server, "anthropic"))
    (request,) = llm_server.requests
    assert request.path == "/v1/messages"
    assert request.body["system"] == MESSAGES[0].content
    assert request.body["messages"] == [{"role": "user", "content": MESSAGES[1].content}]
    (tool,) = request.body["tools"]
    assert tool["name"] == "ExecutionPlan" and tool["input_schema"] == SCHEMA
    assert request.body["tool_choice"] == {"type": "tool", "name": "ExecutionPlan"}
    assert request.body["max_tokens"] > 0


def test_openai_falls_back_to_a_forced_tool_call_when_json_schema_is_refused(llm_server) -> None:
    llm_server.reject_json_schema = True
    llm_server.answer(PLAN)
    llm_server.answer({"steps": ["again"]})
    client = client_for(llm_server, "openai")
    assert ask(client).data == PLAN
    assert ask(client).data == {"steps": ["again"]}
    first, second, third = (r.body for r in llm_server.requests)
    assert "response_format" in first
    for later in (second, third):  # the tool mode is kept: no second 400
        assert "response_format" not in later
        (tool,) = later["tools"]
        assert tool["function"]["name"] == "ExecutionPlan"
        assert tool["function"]["parameters"] == SCHEMA
        assert later["tool_choice"] == {"type": "function", "function": {"name": "ExecutionPlan"}}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_call_caps_the_answer_within_the_budget(llm_server, provider) -> None:
    """A model that repeats itself is stopped by the server, not by the context filling up."""
    llm_server.answer(PLAN, tokens_in=900, tokens_out=100)
    llm_server.answer(PLAN)
    llm_server.answer(PLAN)
    client = client_for(llm_server, provider)
    budget = Budget(max_tokens=2_000, max_answer_tokens=1_500)
    ask(client, budget)
    ask(client, budget)
    ask(client, Budget())
    first, second, third = (r.body for r in llm_server.requests)
    assert first["max_tokens"] == 1_500  # the cap
    assert second["max_tokens"] == 1_000  # what the budget has left
    assert third["max_tokens"] == 4_096  # the default


@pytest.mark.parametrize("mode", ["openai", "openai-tool", "anthropic"])
def test_an_answer_cut_at_the_cap_says_so(llm_server, mode) -> None:
    llm_server.reject_json_schema = mode == "openai-tool"
    llm_server.push(Reply.answer(PLAN, cut=True))
    reply = ask(client_for(llm_server, mode.split("-")[0]))
    assert reply.data is None
    assert "cut off at the token limit" in (reply.error or "")


def test_openai_names_the_cap_max_completion_tokens_when_the_server_wants_it(llm_server) -> None:
    llm_server.reject_max_tokens = True
    llm_server.answer(PLAN)
    llm_server.answer(PLAN)
    client = client_for(llm_server, "openai")
    assert ask(client).data == PLAN
    assert ask(client).data == PLAN
    first, second, third = (r.body for r in llm_server.requests)
    assert "max_tokens" in first
    for later in (second, third):  # kept for the client's life: no second 400
        assert "max_tokens" not in later and later["max_completion_tokens"] > 0
        assert "response_format" in later  # the structured output mode is untouched


def test_strict_only_when_the_schema_allows_it() -> None:
    from meta_agent.llm.openai_provider import is_strict

    assert is_strict(SCHEMA)
    assert not is_strict({**SCHEMA, "additionalProperties": True})
    assert not is_strict({**SCHEMA, "required": []})
    nested = {**SCHEMA, "properties": {"step": {"type": "object", "properties": {"a": {}}}}}
    assert not is_strict({**nested, "required": ["step"]})


@pytest.mark.parametrize("provider", PROVIDERS)
def test_malformed_json_is_a_reply_without_data(llm_server, provider) -> None:
    llm_server.text('{"steps": ["load",')
    reply = ask(client_for(llm_server, provider))
    assert reply.data is None and reply.error
    assert reply.raw == '{"steps": ["load",'
    assert reply.tokens_in == 100  # the tokens were spent all the same


def test_openai_tool_arguments_that_are_not_an_object_are_no_data(llm_server) -> None:
    llm_server.reject_json_schema = True
    llm_server.text("[1, 2]")
    reply = ask(client_for(llm_server, "openai"))
    assert reply.data is None and reply.error == "a JSON list, not an object"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_429_then_success_waits_what_retry_after_says(llm_server, provider) -> None:
    llm_server.status(429, headers={"Retry-After": "7"})
    llm_server.status(429, headers={"retry-after-ms": "250"})
    llm_server.answer(PLAN)
    waits = Waits()
    transcript = Transcript()
    reply = ask(client_for(llm_server, provider, waits), transcript=transcript)
    assert reply.data == PLAN
    assert len(llm_server.requests) == 3
    assert waits == [7.0, 0.25]
    errors = [e for e in transcript.entries if e["kind"] == "error"]
    assert [(e["status"], e["retry_after_s"]) for e in errors] == [(429, 7.0), (429, 0.25)]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_5xx_and_dropped_connections_are_retried_with_backoff(llm_server, provider) -> None:
    llm_server.status(500)
    llm_server.close()
    llm_server.status(503)
    llm_server.answer(PLAN)
    waits = Waits()
    budget = Budget()
    reply = ask(client_for(llm_server, provider, waits, llm_max_retries=3), budget)
    assert reply.data == PLAN
    assert len(llm_server.requests) == 4
    assert waits == [0.5, 1.0, 2.0]
    assert budget.calls == 4  # every attempt is charged
    assert budget.seconds_used >= sum(waits)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_retries_run_out(llm_server, provider) -> None:
    for _ in range(3):
        llm_server.status(502, message="bad gateway upstream")
    with pytest.raises(LLMUnavailable, match="kept failing: 3 attempts") as caught:
        ask(client_for(llm_server, provider, Waits(), llm_max_retries=2))
    assert "HTTP 502" in str(caught.value) and "bad gateway upstream" in str(caught.value)
    assert len(llm_server.requests) == 3


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_retry_after_too_long_is_not_waited(llm_server, provider) -> None:
    llm_server.status(429, headers={"Retry-After": "3600"})
    with pytest.raises(LLMUnavailable, match="asks to wait 3600 s"):
        ask(client_for(llm_server, provider, Waits()))
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_timeout_is_not_retried(llm_server, provider) -> None:
    llm_server.delay(5.0, then=Reply.answer(PLAN))
    with pytest.raises(LLMUnavailable, match="did not answer within 0.3 s"):
        ask(client_for(llm_server, provider, Waits(), llm_timeout_seconds=0.3))
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_server_that_is_down(provider) -> None:
    waits = Waits()
    transcript = Transcript()
    url = closed_port_url()
    with pytest.raises(LLMUnavailable, match="kept failing: 3 attempts.*no connection") as caught:
        ask(client_for(url, provider, waits), transcript=transcript)
    assert "127.0.0.1" in str(caught.value)
    assert len(waits) == 2
    assert [e["failure"] for e in transcript.entries if e["kind"] == "error"] == ["retry"] * 3


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_said_without_the_key(llm_server, provider, status) -> None:
    llm_server.status(status, message=f"Incorrect API key provided: {KEY}")
    with pytest.raises(LLMUnavailable, match=f"refused the key \\(HTTP {status}") as caught:
        ask(client_for(llm_server, provider, Waits()))
    assert KEY not in str(caught.value) and "***" in str(caught.value)
    assert len(llm_server.requests) == 1  # never retried


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_token_budget_refuses_the_next_call(llm_server, provider) -> None:
    llm_server.answer(PLAN, tokens_in=900, tokens_out=200)
    llm_server.answer(PLAN)
    client = client_for(llm_server, provider)
    budget = Budget(max_tokens=1000)
    ask(client, budget)
    with pytest.raises(LLMBudgetExceeded, match="1,000 tokens"):
        ask(client, budget)
    assert len(llm_server.requests) == 1


def test_anthropic_caps_the_answer_at_the_tokens_left(llm_server) -> None:
    llm_server.answer(PLAN, tokens_in=700, tokens_out=100)
    llm_server.answer(PLAN)
    client = client_for(llm_server, "anthropic")
    budget = Budget(max_tokens=1000)
    ask(client, budget)
    ask(client, budget)
    assert [r.body["max_tokens"] for r in llm_server.requests] == [1000, 200]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_money_budget_counts_from_the_price_table(llm_server, provider) -> None:
    prices = {MODEL: {"input_per_mtok": 3.0, "output_per_mtok": 15.0}}
    llm_server.answer(PLAN, tokens_in=20_000, tokens_out=2_000)
    llm_server.answer(PLAN)
    client = client_for(llm_server, provider, llm_prices=json.dumps(prices), llm_budget_usd=0.05)
    budget = Budget(max_cost_usd=0.05)
    reply = ask(client, budget)
    assert reply.cost_usd == pytest.approx(0.06 + 0.03)
    with pytest.raises(LLMBudgetExceeded, match=r"\$0.0500"):
        ask(client, budget)
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_seconds_budget_bounds_the_wait_and_refuses_the_next_call(llm_server, provider) -> None:
    llm_server.delay(5.0, then=Reply.answer(PLAN))
    client = client_for(llm_server, provider, llm_timeout_seconds=30)
    budget = Budget(max_seconds=0.4)
    with pytest.raises(LLMBudgetExceeded, match="0.4 s for this request ran out while waiting"):
        ask(client, budget)
    with pytest.raises(LLMBudgetExceeded, match="0.4 s for this request is spent"):
        ask(client, budget)
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_backoff_longer_than_the_seconds_left_is_not_waited(llm_server, provider) -> None:
    llm_server.status(429, headers={"Retry-After": "30"})
    with pytest.raises(LLMBudgetExceeded, match="less than the 30 s to wait"):
        ask(client_for(llm_server, provider, Waits()), Budget(max_seconds=10))
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_key_is_sent_only_in_its_header(llm_server, provider) -> None:
    llm_server.answer(PLAN)
    ask(client_for(llm_server, provider))
    (request,) = llm_server.requests
    carrying = {name for name, value in request.headers.items() if KEY in value}
    # OpenAI: a bearer token. Anthropic: x-api-key, or (the anthropic SDK 2.x) a bearer token.
    allowed = [{"authorization"}] if provider == "openai" else [{"authorization"}, {"x-api-key"}]
    assert carrying in allowed
    if carrying == {"authorization"}:
        assert request.headers["authorization"] == f"Bearer {KEY}"
    else:
        assert request.headers["x-api-key"] == KEY
    assert KEY.encode() not in request.raw_body
    assert KEY not in request.path


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_transcript_has_every_exchange_and_never_the_key(
    llm_server, provider, tmp_path: Path
) -> None:
    llm_server.status(500, message=f"upstream said {KEY}")
    llm_server.answer({"steps": [f"a step that quotes {KEY}"]})
    transcript = Transcript(secrets=["portfolio-db-password"])
    ask(client_for(llm_server, provider, Waits()), transcript=transcript)
    run_folder = tmp_path / "run"
    path = transcript.write(run_folder / TRANSCRIPT_FILE)
    assert path == run_folder / "llm" / "transcript.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["request", "error", "request", "response"]
    assert lines[0]["body"]["model"] == MODEL and lines[1]["status"] == 500
    assert lines[3]["body"]  # the response body as the server sent it
    headers = lines[3]["request_headers"]
    assert "***" in (headers.get("authorization"), headers.get("x-api-key"))
    assert "upstream said ***" in json.dumps(lines[1])
    for file in run_folder.rglob("*"):
        if file.is_file():
            assert KEY not in file.read_text()
    # In memory the entries are as received; the key was never in a request body.
    assert KEY not in json.dumps([e for e in transcript.entries if e["kind"] == "request"])


def test_a_transcript_redacts_configured_secrets_anywhere(tmp_path: Path) -> None:
    transcript = Transcript(secrets=["hunter2", ""])
    transcript.record(
        "request",
        {"headers": {"Authorization": "Bearer abc", "X-Other": "hunter2"}, "body": ["x hunter2"]},
    )
    text = transcript.write(tmp_path / "t.jsonl").read_text()
    assert json.loads(text) == {
        "kind": "request",
        "headers": {"Authorization": "***", "X-Other": "***"},
        "body": ["x ***"],
    }


def test_a_client_made_directly_keeps_its_mode(llm_server) -> None:
    client = OpenAIClient(model=MODEL, api_key=None, base_url=llm_server.url + "/v1", mode="tool")
    llm_server.answer(PLAN)
    assert ask(client).data == PLAN
    assert "tools" in llm_server.requests[0].body
    assert "authorization" in llm_server.requests[0].headers  # the SDK's placeholder, no key


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_key_is_in_no_file_of_a_run_folder(llm_server, provider, tmp_path: Path) -> None:
    from meta_agent.archive.record import record_run
    from meta_agent.archive.run_folder import RunFolder
    from tests.archive.test_planner_stats import Finished

    llm_server.status(429, headers={"Retry-After": "0"}, message=f"slow down, {KEY}")
    llm_server.answer(PLAN)
    client = client_for(llm_server, provider)
    budget, transcript = Budget(), Transcript()
    ask(client, budget, transcript)
    folder = RunFolder.create(tmp_path, "dscr")
    transcript.write(folder.root / TRANSCRIPT_FILE)
    usage = {
        "provider": client.provider,
        "model": client.model,
        "calls": budget.calls,
        "tokens_in": 100,
        "tokens_out": 20,
        "latency_s": budget.seconds_used,
        "cost_usd": None,
        "repairs": 0,
    }
    manifest = record_run(
        tmp_path,
        folder,
        Finished(),
        kind="ask",
        request="dscr",
        created_at="2026-12-07",
        planner="llm",
        llm=usage,
    )
    assert "llm/transcript.jsonl" in manifest["files"]
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name == "history.db" for path in files)
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    "body", ["<html>502 from a proxy</html>", '{"weird": 1}', '{"choices": [{"message": null}]}']
)
def test_a_body_that_is_no_answer_is_unavailable_not_a_traceback(
    llm_server, provider, body
) -> None:
    llm_server.raw(body)
    transcript = Transcript()
    with pytest.raises(LLMUnavailable, match="answered with a body that is not a") as caught:
        ask(client_for(llm_server, provider, Waits()), transcript=transcript)
    assert "chat completion" in str(caught.value) or "message" in str(caught.value)
    assert len(llm_server.requests) == 1
    (error,) = [e for e in transcript.entries if e["kind"] == "error"]
    assert error["status"] == 200 and error["body"]


def test_an_answer_without_usage_is_counted_from_its_length(llm_server) -> None:
    llm_server.answer(PLAN, usage=False)
    budget, transcript = Budget(), Transcript()
    reply = ask(client_for(llm_server, "openai"), budget, transcript)
    assert reply.data == PLAN
    assert reply.tokens_out == len(reply.raw) // 4
    assert reply.tokens_in > 40  # the messages and the schema, at ~4 characters a token
    assert budget.tokens_used == reply.tokens_in + reply.tokens_out
    assert transcript.entries[-1]["tokens_estimated"] is True
