"""Both planners on one request set with expected readings: who got each right, and what the LLM costs.

    .venv/bin/python bench/eval_planners.py                       # scripted model (see below)
    .venv/bin/python bench/eval_planners.py --base-url http://127.0.0.1:8080/v1 --model qwen2.5
    META_AGENT_LLM_API_KEY=... .venv/bin/python bench/eval_planners.py \\
        --provider anthropic --model claude-sonnet-4-5

Each request has an expected reading: facts its plan must hold (a scope, a threshold and its
direction, a ranking, a grouping, a tool, a custom step; or a misreading it must not hold). A plan
is right when every fact holds, wrong when one does not, refused when the planner said no.

With no endpoint given, the LLM side runs against a scripted model: the test suite's loopback
server (tests/llm/loopback.py) started in this process, answering each request with the plan
written below it. That measures the machinery (the prompt's size, the checks, the generator, the
validator, the repairs), not a model's judgement: the scripted answers are right by construction,
and the token counts are estimates (4 characters a token). The output says so on its first line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the loopback server lives with the tests

Fact = tuple[Any, ...]


def ref(step_id: str) -> dict[str, str]:
    return {"$ref": step_id}


def s(step_id: str, tool: str, **arguments: Any) -> dict[str, Any]:
    return {"id": step_id, "tool": tool, "arguments": arguments, "description": tool}


def table_answer(
    understood: str,
    *middle: dict[str, Any],
    scope: dict[str, Any] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    last: str | None = None,
    filename: str = "result.csv",
    intent: str = "metrics",
) -> dict[str, Any]:
    """fetch metrics (scope) -> filter (conditions) -> the middle steps -> csv, summary, json."""
    steps = [s("metrics", "fetch_portfolio_metrics", **(scope or {}))]
    source = "metrics"
    if conditions:
        steps.append(s("kept", "filter_data", data=ref("metrics"), conditions=conditions))
        source = "kept"
    steps += middle
    source = last or (middle[-1]["id"] if middle else source)
    steps += [
        s("save", "export_to_csv", data=ref(source), filename=filename),
        s("summary", "summarize_results", data=ref(source)),
        s("results_file", "write_results_json", summary=ref("summary")),
    ]
    return {
        "understood": understood,
        "intent": intent,
        "goal": understood,
        "refusal": None,
        "assumptions": [],
        "steps": steps,
    }


def custom(step_id: str, code: str, **inputs: str) -> dict[str, Any]:
    return s(step_id, "custom_python", inputs={k: ref(v) for k, v in inputs.items()}, code=code)


def below(column: str, value: float) -> dict[str, Any]:
    return {"column": column, "op": "<", "value": value}


def above(column: str, value: float) -> dict[str, Any]:
    return {"column": column, "op": ">", "value": value}


SHOCK = {"name": "rates_up_150bp", "rate_shock_bp": 150}
MARKET_LOSS = """\
markets = metrics[['property_id', 'market']]
table = results.merge(markets, on='property_id')
table = table[table['debt_service'] > 0]
sums = table.groupby(['market', 'scenario'])[['noi', 'debt_service']].sum().reset_index()
sums['dscr'] = sums['noi'] / sums['debt_service']
base = sums[sums['scenario'] == 'base'][['market', 'dscr']].rename(columns={'dscr': 'dscr_base'})
hit = sums[sums['scenario'] != 'base'][['market', 'dscr']].rename(columns={'dscr': 'dscr_shocked'})
out = base.merge(hit, on='market')
out['dscr_lost'] = out['dscr_base'] - out['dscr_shocked']
return out.sort_values('dscr_lost', ascending=False)
"""


@dataclass
class Case:
    request: str
    facts: list[Fact]  # the expected reading
    answer: dict[str, Any]  # the scripted model's plan
    in_grammar: bool = True  # what the offline grammar was written for (informative only)


CASES: list[Case] = [
    Case(
        "Calculate DSCR for all properties and identify at-risk assets",
        [("below", "dscr", 1.25)],
        table_answer(
            "DSCR of every property, at risk below 1.25",
            s("flagged", "flag_at_risk", data=ref("metrics"), threshold=1.25),
        ),
    ),
    Case(
        "which multifamily deals are under 1.2 DSCR",
        [("scope", "property_types", ["multifamily"]), ("below", "dscr", 1.2)],
        table_answer(
            "multifamily below 1.2x",
            scope={"property_types": ["multifamily"]},
            conditions=[below("dscr", 1.2)],
        ),
    ),
    Case(
        "properties in TX with dscr below 1.1x",
        [("scope", "states", ["TX"]), ("below", "dscr", 1.1)],
        table_answer("TX below 1.1x", scope={"states": ["TX"]}, conditions=[below("dscr", 1.1)]),
    ),
    Case(
        "top 10 assets by T12 NOI",
        [("rank", "noi", True, 10)],
        table_answer(
            "top 10 by NOI",
            s("ranked", "rank_data", data=ref("metrics"), by="noi", descending=True, limit=10),
            intent="ranking",
        ),
    ),
    Case(
        "bottom 5 properties by debt yield",
        [("rank", "debt_yield", False, 5)],
        table_answer(
            "lowest 5 debt yields",
            s("ranked", "rank_data", data=ref("metrics"), by="debt_yield", limit=5),
            intent="ranking",
        ),
    ),
    Case(
        "average DSCR by state",
        [("group", "state", "dscr", "mean")],
        table_answer(
            "mean DSCR per state",
            s(
                "groups",
                "group_figures",
                data=ref("metrics"),
                metrics=["dscr"],
                group_by="state",
                statistic="mean",
            ),  # fmt: skip
            intent="aggregation",
        ),
    ),
    Case(
        "what happens to DSCR if rates go up 150bps",
        [("tool", "scenario_analysis"), ("shock", 150)],
        table_answer(
            "DSCR with rates +150 bp",
            s("loans", "fetch_loans"),
            s(
                "results",
                "scenario_analysis",
                base_case=ref("metrics"),
                scenarios=[SHOCK],
                loans=ref("loans"),
            ),  # fmt: skip
            intent="scenario",
        ),
    ),
    Case(
        "retail properties in FL with LTV above 60%",
        [
            ("scope", "property_types", ["retail"]),
            ("scope", "states", ["FL"]),
            ("above", "ltv", 0.6),
        ],  # fmt: skip
        table_answer(
            "FL retail with LTV over 60%",
            scope={"property_types": ["retail"], "states": ["FL"]},
            conditions=[above("ltv", 0.6)],
        ),
    ),
    Case(
        "Which office properties have a debt yield below 8% and occupancy under 85%?",
        [
            ("scope", "property_types", ["office"]),
            ("below", "debt_yield", 0.08),
            ("below", "occupancy", 0.85),
        ],  # fmt: skip
        table_answer(
            "office, debt yield < 8% and occupancy < 85%",
            scope={"property_types": ["office"]},
            conditions=[below("debt_yield", 0.08), below("occupancy", 0.85)],
        ),
    ),
    Case(
        "Which markets have more than 3 properties and an aggregate DSCR below 1.4?",
        [
            ("group", "market", "dscr", "aggregate"),
            ("below", "aggregate_dscr", 1.4),
            ("above", "property_count", 3),
            ("not_filter", "dscr"),
        ],  # fmt: skip
        table_answer(
            "markets with > 3 properties and aggregate DSCR < 1.4",
            s("groups", "group_figures", data=ref("metrics"), metrics=["dscr"], group_by="market"),
            s(
                "markets",
                "filter_data",
                data=ref("groups"),
                conditions=[above("property_count", 3), below("aggregate_dscr", 1.4)],
            ),  # fmt: skip
            intent="aggregation",
        ),
    ),
    Case(
        "expense ratio by property type",
        [("group", "property_type", "expense_ratio", "aggregate")],
        table_answer(
            "aggregate expense ratio per type",
            s(
                "groups",
                "group_figures",
                data=ref("metrics"),
                metrics=["expense_ratio"],
                group_by="property_type",
            ),  # fmt: skip
            intent="aggregation",
        ),
    ),
    # --- outside the offline grammar --------------------------------------------------------
    Case(
        "Retail assets under 1.3x, with how many dollars of NOI they are short of 1.3x",
        [("scope", "property_types", ["retail"]), ("below", "dscr", 1.3), ("custom",)],
        table_answer(
            "retail below 1.3x and the NOI shortfall to 1.3x",
            custom(
                "shortfall",
                "out = table[['property_id', 'name', 'noi', 'debt_service', 'dscr']].copy()\n"
                "out['shortfall_usd'] = 1.3 * out['debt_service'] - out['noi']\n"
                "return out.sort_values('shortfall_usd', ascending=False)",
                table="kept",
            ),
            scope={"property_types": ["retail"]},
            conditions=[below("dscr", 1.3)],
        ),
        in_grammar=False,
    ),
    Case(
        "NOI per square foot for office properties, highest first",
        [("scope", "property_types", ["office"]), ("derive", "noi", "/", "square_feet")],
        table_answer(
            "office NOI per square foot, highest first",
            s(
                "per_sf",
                "transform_data",
                data=ref("metrics"),
                operations=[
                    {
                        "op": "derive",
                        "column": "noi_psf",
                        "left": "noi",
                        "operator": "/",
                        "right": "square_feet",
                    },
                    {"op": "sort", "by": "noi_psf", "descending": True},
                ],
            ),  # fmt: skip
            scope={"property_types": ["office"]},
            intent="ranking",
        ),
        in_grammar=False,
    ),
    Case(
        "List properties whose LTV exceeds 70% or DSCR is under 1.0",
        [("custom",), ("not_filter", "ltv")],
        table_answer(
            "LTV > 70% or DSCR < 1.0 (either)",
            custom(
                "either",
                "hit = (table['ltv'] > 0.7) | (table['dscr'] < 1.0)\nreturn table[hit]",
                table="metrics",
            ),
        ),
        in_grammar=False,
    ),
    Case(
        "NOI margin (NOI over EGI) for hotels, lowest first",
        [("scope", "property_types", ["hotel"]), ("derive", "noi", "/", "egi")],
        table_answer(
            "hotel NOI margin, lowest first",
            s(
                "margins",
                "transform_data",
                data=ref("metrics"),
                operations=[
                    {
                        "op": "derive",
                        "column": "noi_margin",
                        "left": "noi",
                        "operator": "/",
                        "right": "egi",
                    },
                    {"op": "sort", "by": "noi_margin", "descending": False},
                ],
            ),  # fmt: skip
            scope={"property_types": ["hotel"]},
            intent="ranking",
        ),
        in_grammar=False,
    ),
    Case(
        "Break-even occupancy for every property with debt",
        [("custom",), ("with_debt",)],
        table_answer(
            "break-even occupancy of the properties with debt",
            custom(
                "break_even",
                "out = table[['property_id', 'name', 'occupancy', 'noi', 'operating_expenses',"
                " 'debt_service']].copy()\n"
                "cost = out['operating_expenses'] + out['debt_service']\n"
                "out['break_even_occupancy'] = out['occupancy'] * cost / "
                "(out['noi'] + out['operating_expenses'])\n"
                "return out",
                table="kept",
            ),
            conditions=[{"column": "has_debt", "op": "==", "value": True}],
        ),
        in_grammar=False,
    ),
    Case(
        "Properties where debt service exceeds 80% of NOI",
        [("below", "dscr", 1.25)],
        table_answer(
            "debt service > 80% of NOI, i.e. DSCR below 1.25",
            conditions=[below("dscr", 1.25)],
        ),
        in_grammar=False,
    ),
    Case(
        "What share of total NOI do the top 5 properties hold?",
        [("rank", "noi", True, None), ("custom",)],
        table_answer(
            "the top 5 properties' share of total NOI",
            s("ranked", "rank_data", data=ref("metrics"), by="noi", descending=True),
            custom(
                "top_share",
                "top = ranked.head(5)[['property_id', 'name', 'noi']].copy()\n"
                "top['noi_share'] = top['noi'] / ranked['noi'].sum()\n"
                "return top",
                ranked="ranked",
            ),
            intent="ranking",
        ),
        in_grammar=False,
    ),
    Case(
        "rank the markets by how much aggregate DSCR they lose if rates rise 150 bp",
        [("tool", "scenario_analysis"), ("shock", 150), ("custom",)],
        table_answer(
            "markets by aggregate DSCR lost at +150 bp",
            s("loans", "fetch_loans"),
            s(
                "results",
                "scenario_analysis",
                base_case=ref("metrics"),
                scenarios=[SHOCK],
                loans=ref("loans"),
            ),  # fmt: skip
            custom("market_loss", MARKET_LOSS, results="results", metrics="metrics"),
            intent="scenario",
        ),
        in_grammar=False,
    ),
    Case(
        "Which tenants have leases rolling in 2026?",
        [("refused",)],
        {
            "understood": "lease expirations by tenant",
            "intent": "metrics",
            "goal": "leases rolling in 2026",
            "refusal": "The portfolio has no tenant or lease data.",
            "assumptions": [],
            "steps": [],
        },
        in_grammar=False,
    ),
]


# --- judging a plan ---------------------------------------------------------------------------


def _args(plan: Any, tool: str) -> list[dict[str, Any]]:
    return [step.arguments for step in plan.steps if step.tool == tool]


def _conditions(plan: Any) -> list[dict[str, Any]]:
    return [c for a in _args(plan, "filter_data") for c in a.get("conditions", [])]


def holds(fact: Fact, plan: Any) -> bool:
    """Whether one fact of the expected reading holds in the plan."""
    kind = fact[0]
    if kind == "scope":
        return any(sorted(a.get(fact[1]) or []) == sorted(fact[2])
                   for a in _args(plan, "fetch_portfolio_metrics"))  # fmt: skip
    if kind in ("below", "above"):
        ops = ("<", "<=") if kind == "below" else (">", ">=")
        if any(c.get("column") == fact[1] and c.get("op") in ops and c.get("value") == fact[2]
               for c in _conditions(plan)):  # fmt: skip
            return True
        flags = _args(plan, "flag_at_risk")
        return (
            kind == "below"
            and fact[1] == "dscr"
            and any(a.get("threshold") == fact[2] for a in flags)
        )
    if kind == "rank":
        return any(a.get("by") == fact[1] and bool(a.get("descending")) == fact[2]
                   and (fact[3] is None or a.get("limit") == fact[3])
                   for a in _args(plan, "rank_data"))  # fmt: skip
    if kind == "group":
        return any(a.get("group_by") == fact[1] and fact[2] in a.get("metrics", [])
                   and a.get("statistic", "aggregate") == fact[3]
                   for a in _args(plan, "group_figures"))  # fmt: skip
    if kind == "tool":
        return any(step.tool == fact[1] for step in plan.steps)
    if kind == "shock":
        return any(sc.get("rate_shock_bp") == fact[1]
                   for a in _args(plan, "scenario_analysis") for sc in a.get("scenarios", []))  # fmt: skip
    if kind == "custom":
        return any(step.is_custom for step in plan.steps)
    if kind == "not_filter":
        return not any(c.get("column") == fact[1] for c in _conditions(plan))
    if kind == "derive":
        derived = [o for t in _args(plan, "transform_data") for o in t.get("operations", [])]
        return any(o.get("left") == fact[1] and o.get("operator") == fact[2]
                   and o.get("right") == fact[3] for o in derived)  # fmt: skip
    if kind == "with_debt":
        return any(c.get("column") == "has_debt" and c.get("value") is True
                   for c in _conditions(plan)) or any(step.is_custom for step in plan.steps)  # fmt: skip
    if kind == "refused":
        return False  # a plan for a request that must be refused is wrong
    raise ValueError(f"unknown fact {fact}")


@dataclass
class Verdict:
    result: str  # right | wrong | refused
    seconds: float
    why: str = ""
    usage: dict[str, Any] = field(default_factory=dict)
    plan_lines: list[str] = field(default_factory=list)  # each step, for --show-plans


def last_answer(session: Any) -> str | None:
    """The text of the model's last answer in a session's transcript (either wire protocol)."""
    if session is None:
        return None
    for entry in reversed(session.transcript.entries):
        body = entry.get("body")
        if entry.get("kind") != "response" or not isinstance(body, dict):
            continue
        for choice in body.get("choices") or []:  # OpenAI: the content, or the tool's arguments
            message = choice.get("message") or {}
            calls = message.get("tool_calls") or [{}]
            return str(message.get("content") or calls[0].get("function", {}).get("arguments"))
        for block in body.get("content") or []:  # Anthropic: the tool's input, or text
            return json.dumps(block.get("input")) if "input" in block else str(block.get("text"))
    return None


def plan_lines(plan: Any) -> list[str]:
    """One line per step: its tool and its arguments, cut to fit a terminal."""
    lines = []
    for step in plan.steps:
        text = f"{step.id} = {step.tool}({json.dumps(step.arguments, default=str)})"
        lines.append(text if len(text) <= 110 else text[:109] + "…")
    return lines


def judge(case: Case, attempt: Callable[[], Any], session: Callable[[], Any]) -> Verdict:
    from meta_agent.errors import MetaAgentError

    start = time.perf_counter()
    try:
        plan = attempt()
    except MetaAgentError as problem:
        seconds = time.perf_counter() - start
        used = session()
        usage = used.usage() if used is not None else {}
        right = case.facts == [("refused",)]
        said = last_answer(used)
        lines = [f"(no plan; the model's last answer began: {said[:90]!r})"] if said else []
        return Verdict("right" if right else "refused", seconds, str(problem)[:90], usage, lines)
    seconds = time.perf_counter() - start
    used = session()
    usage = used.usage() if used is not None else {}
    missing = [fact for fact in case.facts if not holds(fact, plan)]
    if missing:
        return Verdict("wrong", seconds, f"misses {missing[0]}", usage, plan_lines(plan))
    return Verdict("right", seconds, "", usage, plan_lines(plan))


# --- the two planners -------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="an OpenAI-compatible (or Anthropic) endpoint")
    parser.add_argument("--model", help="the model name to ask for")
    parser.add_argument("--provider", choices=["openai", "anthropic"], default="openai")
    parser.add_argument("--repeat", type=int, default=3, help="offline timing repetitions")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds the model may take per request"
    )
    parser.add_argument(
        "--max-answer-tokens", type=int, default=4096, help="the cap on each answer's length"
    )
    parser.add_argument("--limit", type=int, help="only the first N requests of the set")
    parser.add_argument(
        "--show-plans", action="store_true", help="print the steps each LLM plan held"
    )
    args = parser.parse_args()

    from meta_agent.config import Settings
    from meta_agent.pipeline import Pipeline
    from meta_agent.portfolio.generator import generate_portfolio

    scripted = not (args.base_url or args.model)
    server = None
    with tempfile.TemporaryDirectory() as folder:
        db = f"sqlite:///{Path(folder) / 'portfolio.db'}"
        generate_portfolio(db)
        if scripted:
            from tests.llm.loopback import KEY, MODEL, LoopbackLLM

            server = LoopbackLLM().start()
            print("LLM: SCRIPTED MODEL on a loopback server in this process (no endpoint was")
            print("given): its answers are the plans written in this file, right by design, and")
            print("its tokens are estimates (4 characters a token). This measures the checks, the")
            print(
                "generator and the validator, not a model. Pass --base-url/--model for a real one.\n"
            )
            llm: dict[str, Any] = {
                "llm_base_url": server.url + "/v1",
                "llm_model": MODEL,
                "llm_api_key": KEY,
            }
        else:
            key = os.environ.get("META_AGENT_LLM_API_KEY")
            llm = {"llm_base_url": args.base_url, "llm_model": args.model, "llm_api_key": key}
            print(f"LLM: {args.provider} model {args.model!r} at {args.base_url or 'the vendor'}\n")
        base = Settings(database_url=db, runs_dir=Path(folder) / "runs")
        offline = Pipeline(base).planner()
        settings = Settings(
            database_url=db,
            runs_dir=Path(folder) / "runs",
            planner="llm",
            llm_provider=args.provider,
            llm_timeout_seconds=args.timeout,
            llm_budget_seconds=args.timeout,
            llm_max_answer_tokens=args.max_answer_tokens,
            **llm,
        )
        model_planner: Any = Pipeline(settings).planner()
        try:
            report(args, offline, model_planner, server)
        finally:
            if server is not None:
                server.stop()


def _planning(planner: Any, request: str) -> Callable[[], Any]:
    return lambda: planner.plan(planner.analyse(request))


def report(args: argparse.Namespace, offline: Any, llm: Any, server: Any) -> None:
    from meta_agent.planning.llm_prompt import context_message, system_message

    rows: list[tuple[Case, Verdict, Verdict]] = []
    for case in CASES[: args.limit]:
        times = []
        for _ in range(args.repeat):
            verdict_offline = judge(case, _planning(offline, case.request), lambda: None)
            times.append(verdict_offline.seconds)
        verdict_offline.seconds = statistics.median(times)
        if server is not None:
            prompt = system_message(llm.threshold) + context_message(
                case.request, llm.registry, llm.directory
            )
            server.answer(
                case.answer,
                tokens_in=len(prompt) // 4,
                tokens_out=len(json.dumps(case.answer)) // 4,
            )
        verdict_llm = judge(case, _planning(llm, case.request), llm.last_session)
        if server is not None:
            server.script.clear()  # a refused plan leaves no scripted answer for the next
        rows.append((case, verdict_offline, verdict_llm))
        print(  # progress: a real model can take minutes per request
            f"[{len(rows)}/{len(CASES[: args.limit])}] offline {verdict_offline.result}, llm "
            f"{verdict_llm.result} in {verdict_llm.seconds:.1f} s: {case.request[:60]}",
            file=sys.stderr,
            flush=True,
        )

    width = 62
    print(f"{'request':{width}} {'grammar':7} {'offline':8} {'llm':8} {'tokens':>7} {'llm s':>6}")
    for case, off, on in rows:
        tokens = on.usage.get("tokens_in", 0) + on.usage.get("tokens_out", 0)
        text = case.request if len(case.request) <= width else case.request[: width - 1] + "…"
        grammar = "inside" if case.in_grammar else "outside"
        print(f"{text:{width}} {grammar:7} {off.result:8} {on.result:8} {tokens:7d} "
              f"{on.seconds:6.2f}")  # fmt: skip
        for who, verdict in (("offline", off), ("llm", on)):
            if verdict.result != "right":
                print(f"    {who}: {verdict.why}")
        if args.show_plans:
            for line in on.plan_lines or ["(no plan)"]:
                print(f"      llm plan: {line}")
    print()
    for who, verdicts in (("offline", [r[1] for r in rows]), ("llm", [r[2] for r in rows])):
        right = sum(1 for v in verdicts if v.result == "right")
        wrong = sum(1 for v in verdicts if v.result == "wrong")
        refused = sum(1 for v in verdicts if v.result == "refused")
        print(f"{who:8} right {right:2d}/{len(rows)}  wrong {wrong:2d}  refused {refused:2d}")
    usages = [row[2].usage for row in rows if row[2].usage]
    tokens_in = sum(u["tokens_in"] for u in usages)
    tokens_out = sum(u["tokens_out"] for u in usages)
    costs = [u["cost_usd"] for u in usages if u.get("cost_usd") is not None]
    repairs = sum(u["repairs"] for u in usages)
    off_median = statistics.median(row[1].seconds for row in rows) * 1000
    llm_median = statistics.median(row[2].seconds for row in rows) * 1000
    cost = f"${sum(costs):.4f}" if costs else "n/a (no price set)"
    print(
        f"\nLLM totals: {len(usages)} requests, {tokens_in:,} tokens in, {tokens_out:,} out, "
        f"{repairs} repairs, cost {cost}"
    )
    print(
        f"median planning time per request: offline {off_median:.1f} ms, LLM {llm_median:.1f} ms "
        f"(ratio {llm_median / off_median:.1f}x)"
    )


if __name__ == "__main__":
    main()
