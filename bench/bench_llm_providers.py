"""Benchmark: what the provider layer adds to one model call, and what loading an SDK costs.

    PYTHONPATH=. .venv/bin/python bench/bench_llm_providers.py --calls 50 --runs 5

The loopback server of the tests (tests/llm/loopback.py) answers every request at once with a
small structured answer. Timed (wall clock, median of ``--runs`` rounds of ``--calls`` sequential
calls): the same chat-completions / messages request POSTed directly with httpx (the baseline),
and sent through ``make_client(...).complete`` (the SDK, the budget, the transcript, parsing).
Then, in fresh interpreters, the import time of each provider module with its SDK: what a run
with ``META_AGENT_PLANNER=llm`` pays once, and the offline default never does.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from meta_agent.llm.base import Budget, ChatMessage, Transcript
from meta_agent.llm.factory import make_client
from tests.llm.loopback import KEY, MODEL, LoopbackLLM, llm_settings

SCHEMA = {
    "type": "object",
    "properties": {"steps": {"type": "array", "items": {"type": "string"}}},
    "required": ["steps"],
    "additionalProperties": False,
}
MESSAGES = [ChatMessage("system", "Plan."), ChatMessage("user", "DSCR below 1.25x?")]
PLAN = {"steps": ["load", "dscr", "filter"]}


def per_call_ms(call: Callable[[], object], calls: int, runs: int) -> float:
    rounds = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        rounds.append((time.perf_counter() - started) / calls * 1000)
    return statistics.median(rounds)


def direct(server: LoopbackLLM, provider: str) -> Callable[[], object]:
    client = httpx.Client()
    if provider == "openai":
        url, headers = server.url + "/v1/chat/completions", {"Authorization": f"Bearer {KEY}"}
        body: dict[str, object] = {
            "model": MODEL,
            "messages": [{"role": m.role, "content": m.content} for m in MESSAGES],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "Plan", "schema": SCHEMA, "strict": True},
            },
        }
    else:
        url, headers = server.url + "/v1/messages", {"x-api-key": KEY}
        body = {
            "model": MODEL,
            "max_tokens": 1000,
            "messages": [{"role": "user", "content": MESSAGES[1].content}],
            "tools": [{"name": "Plan", "input_schema": SCHEMA}],
            "tool_choice": {"type": "tool", "name": "Plan"},
        }

    def call() -> object:
        server.answer(PLAN)
        return client.post(url, json=body, headers=headers).json()

    return call


def through_provider(server: LoopbackLLM, provider: str) -> Callable[[], object]:
    client = make_client(llm_settings(server, provider))

    def call() -> object:
        server.answer(PLAN)
        return client.complete(
            MESSAGES, schema=SCHEMA, schema_name="Plan", budget=Budget(), transcript=Transcript()
        )

    return call


def import_ms(module: str, runs: int) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = LoopbackLLM().start()
    try:
        for provider in ("openai", "anthropic"):
            through_provider(server, provider)()  # warm: the SDK imported, a connection open
            base = per_call_ms(direct(server, provider), args.calls, args.runs)
            ours = per_call_ms(through_provider(server, provider), args.calls, args.runs)
            print(
                f"{provider:9} per call: httpx direct {base:6.2f} ms, provider {ours:6.2f} ms "
                f"(+{ours - base:.2f} ms, x{ours / base:.2f})"
            )
    finally:
        server.stop()
    for module in (
        "meta_agent.llm.openai_provider, openai",
        "meta_agent.llm.anthropic_provider, anthropic",
    ):
        print(f"import {module}: {import_ms(module, args.runs):.0f} ms (median, fresh interpreter)")


if __name__ == "__main__":
    main()
