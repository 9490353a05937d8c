"""ScriptValidator: generated scripts pass untouched; every finding is reported with its line."""

from __future__ import annotations

import textwrap

import pytest

from meta_agent.errors import Finding, ScriptRejected
from meta_agent.scripting import policy
from meta_agent.scripting.validate import RULES, ScriptValidator

# --- scripts as the generator writes them (template scripts/templates/script.py.j2) -------------

DSCR_AT_RISK = '''\
"""Calculate DSCR for all properties and identify at-risk assets

Request:   Calculate DSCR for all properties and identify at-risk assets
Generated: 2026-01-05T09:30:00+00:00 by Meta-Agent 0.1.0 (rule_based planner)
Plan hash: 5d41402abc4b2a76b9719d911017c592a1b2c3d4e5f60718293a4b5c6d7e8f90

How the request was read:
  - 'at-risk' means DSCR below 1.25; properties with no debt are never at risk

Re-run or edit by hand, then: meta-agent exec script.py
"""

from __future__ import annotations

import logging

from meta_agent.tool_library.analysis_tools import flag_at_risk
from meta_agent.tool_library.chart_tools import plot_dscr
from meta_agent.tool_library.data_tools import export_to_csv, summarize_results, write_results_json
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

logger = logging.getLogger("meta_agent.run")


def main() -> None:
    logger.info("Step 1/5: Fetch the portfolio metrics")
    metrics = fetch_portfolio_metrics()
    if metrics.empty:
        raise ValueError("fetch_portfolio_metrics returned no rows: nothing in the portfolio matches.")
    logger.info("Step 1/5: %d rows", len(metrics))

    logger.info("Step 2/5: Flag DSCR below 1.25")
    flagged = flag_at_risk(metrics, threshold=1.25)
    logger.info("  flagged: %d rows", len(flagged))

    logger.info("Step 3/5: Summarise")
    summary = summarize_results(flagged, metrics=["noi", "debt_service", "dscr"], threshold=1.25)

    logger.info("Step 4/5: Write the table and the chart")
    export_to_csv(flagged, "dscr_by_property.csv")
    chart = plot_dscr(flagged, filename="dscr_by_property.png", threshold=1.25)
    logger.info(f"Chart: {chart}")

    logger.info("Step 5/5: Write the key figures")
    write_results_json(summary)
    logger.info("%d properties at risk", summary["at_risk_count"])
    print(f"At risk: {summary['at_risk_count']} of {len(flagged)} properties")
    logger.info("Done: 3 result file(s) written")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        main()
    except Exception:
        logger.exception("The analysis failed")
        raise
'''

SCENARIOS = '''\
"""Run DSCR scenarios with 10%, 20%, 30% NOI decrease for all properties"""

import logging

from meta_agent.tool_library.analysis_tools import scenario_analysis, scenario_summary
from meta_agent.tool_library.chart_tools import plot_scenarios
from meta_agent.tool_library.data_tools import export_to_csv, export_to_excel
from meta_agent.tool_library.database_tools import fetch_loans, fetch_portfolio_metrics

logger = logging.getLogger("meta_agent.run")


def main() -> None:
    logger.info("Step 1/6: Fetch the portfolio metrics")
    metrics = fetch_portfolio_metrics()
    if metrics.empty:
        raise ValueError('fetch_portfolio_metrics returned no rows: nothing in the portfolio matches.')
    logger.info("  metrics: %d rows", len(metrics))

    logger.info("Step 2/6: Fetch the loans")
    loans = fetch_loans()

    logger.info("Step 3/6: Apply the NOI shocks")
    results = scenario_analysis(
        metrics,
        scenarios=[
            {'name': 'noi_-10%', 'noi_shock_pct': 10.0, 'rate_shock_bp': 0.0},
            {'name': 'noi_-20%', 'noi_shock_pct': 20.0, 'rate_shock_bp': 0.0},
            {'name': 'noi_-30%', 'noi_shock_pct': 30.0, 'rate_shock_bp': 0.0},
        ],
        loans=loans,
        threshold=1.25,
    )
    logger.info("  results: %d rows", len(results))

    logger.info("Step 4/6: Count the at-risk properties per scenario")
    summary = scenario_summary(results, threshold=1.25)

    logger.info("Step 5/6: Write the tables")
    export_to_csv(results, 'scenario_results.csv')
    export_to_excel({'summary': summary, 'results': results}, filename='scenarios.xlsx', title='DSCR scenarios')

    logger.info("Step 6/6: Chart the scenarios")
    plot_scenarios(summary, filename='scenario_comparison.png')
    worst = summary.sort_values("at_risk_count", ascending=False).head(1)
    logger.info("Worst scenario: %s", worst["scenario"].tolist())

    logger.info("Done: 4 result file(s) written")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        main()
    except Exception:
        logger.exception("The analysis failed")
        raise
'''

COMPARISON = '''\
"""Compare Orlando Fashion Square performance against 5 similar properties"""

import logging

from meta_agent.tool_library.analysis_tools import comparative_analysis
from meta_agent.tool_library.chart_tools import plot_comparison
from meta_agent.tool_library.data_tools import export_to_excel, write_results_json

logger = logging.getLogger("meta_agent.run")


def main() -> None:
    logger.info("Step 1/3: Compare the target with 5 peers")
    comparison = comparative_analysis('orlando_fashion_square', n=5)
    if comparison.empty:
        raise ValueError('comparative_analysis returned no rows: nothing in the portfolio matches.')
    logger.info("  comparison: %d rows", len(comparison))

    logger.info("Step 2/3: Chart and workbook")
    plot_comparison(comparison, metrics=['noi', 'dscr', 'cap_rate', 'occupancy', 'ltv'], filename='comparison.png')
    export_to_excel(comparison, 'comparison.xlsx', title='Orlando Fashion Square vs peers')

    logger.info("Step 3/3: Key figures")
    target = comparison.iloc[0]
    peers = comparison[comparison["role"] == "peer"]
    figures = {
        "target": target["name"],
        "peer_count": len(peers),
        "target_dscr": round(float(target["dscr"]), 2),
        "peer_ids": peers["property_id"].tolist(),
    }
    write_results_json(figures, filename='comparison.json')
    for name, value in sorted(figures.items()):
        logger.info("%s: %s", name, value)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        main()
    except Exception:
        logger.exception("The analysis failed")
        raise
'''

TREND = '''\
"""NOI trend for Orlando Fashion Square over the last 12 months, with a chart"""

import logging
import math
from datetime import date

from meta_agent.errors import UndefinedMetric
from meta_agent.tool_library.analysis_tools import trend_analysis
from meta_agent.tool_library.chart_tools import plot_trend
from meta_agent.tool_library.data_tools import export_to_csv, write_results_json
from meta_agent.tool_library.database_tools import fetch_financial_data

logger = logging.getLogger("meta_agent.run")


def main() -> None:
    logger.info("Step 1/4: Fetch 12 months of NOI")
    monthly = fetch_financial_data('orlando_fashion_square', metrics=['noi'], months=12)
    if monthly.empty:
        raise ValueError('fetch_financial_data returned no rows: nothing in the portfolio matches.')
    logger.info("  monthly: %d rows", len(monthly))

    logger.info("Step 2/4: Growth figures")
    trend = trend_analysis(monthly, value_column='noi')

    logger.info("Step 3/4: Chart and table")
    plot_trend(trend['series'], value_columns=['value'], filename='noi_trend.png', title='NOI, last 12 months')
    export_to_csv(trend['series'], 'noi_trend.csv')

    logger.info("Step 4/4: Key figures")
    growth = trend["total_growth"]
    if growth is None or math.isnan(growth):
        raise UndefinedMetric("NOI growth is undefined for this property")
    rows = sorted(trend["series"].to_dict("records"), key=lambda row: row["period"])
    write_results_json(
        {
            "slope_per_month": trend["slope_per_month"],
            "total_growth_pct": round(growth * 100, 1),
            "months": len(rows),
            "as_of": date.today().isoformat(),
        },
        filename='trend.json',
    )
    logger.info("NOI grew %.1f%% over %d months", growth * 100, trend["months"])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        main()
    except Exception:
        logger.exception("The analysis failed")
        raise
'''

GENERATED = {
    "dscr_at_risk": DSCR_AT_RISK,
    "scenarios": SCENARIOS,
    "comparison": COMPARISON,
    "trend": TREND,
}


def lines_and_rules(findings: list[Finding]) -> set[tuple[int, str]]:
    return {(finding.line, finding.rule) for finding in findings}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_scripts_pass_with_no_findings(validator: ScriptValidator, name: str) -> None:
    assert validator.validate(GENERATED[name]) == []
    validator.check(GENERATED[name])  # does not raise


def _plans() -> list[object]:
    from meta_agent.planning.models import ExecutionPlan, ExpectedOutput, PlanStep

    def step(id: str, tool: str, description: str, **arguments: object) -> PlanStep:
        return PlanStep(id=id, tool=tool, arguments=arguments, description=description)

    at_risk = ExecutionPlan(
        request="dscr by asset, flag the ones under 1.25x",
        goal="DSCR per property, at-risk flagged",
        steps=[
            step("metrics", "fetch_portfolio_metrics", "Fetch the portfolio metrics"),
            step("flagged", "flag_at_risk", "Flag DSCR below 1.25", data={"$ref": "metrics"}),
            step("ranked", "rank_data", "Worst first", data={"$ref": "flagged"}, by="dscr"),
            step(
                "table",
                "export_to_csv",
                "Write the table",
                data={"$ref": "ranked"},
                filename="dscr_by_property.csv",
            ),
            step(
                "summary",
                "summarize_results",
                "Key figures",
                data={"$ref": "flagged"},
                metrics=["dscr"],
                threshold=1.25,
            ),
            step("figures", "write_results_json", "Write the figures", summary={"$ref": "summary"}),
        ],
        outputs=[ExpectedOutput(filename="dscr_by_property.csv", kind="csv")],
    )
    scenarios = ExecutionPlan(
        request="stress test: NOI down 15% and 25%",
        goal="DSCR under two NOI shocks",
        steps=[
            step(
                "metrics", "fetch_portfolio_metrics", "Fetch the metrics", property_types=["office"]
            ),
            step(
                "results",
                "scenario_analysis",
                "Apply the shocks",
                base_case={"$ref": "metrics"},
                scenarios=[
                    {"name": f"noi_-{p}%", "noi_shock_pct": p, "rate_shock_bp": 0}
                    for p in (15.0, 25.0)
                ],
            ),
            step("summary", "scenario_summary", "Count at-risk", results={"$ref": "results"}),
            step("chart", "plot_scenarios", "Chart", summary={"$ref": "summary"}),
        ],
        outputs=[ExpectedOutput(filename="scenario_comparison.png", kind="chart")],
    )
    trend = ExecutionPlan(
        request='NOI trend for "Orlando Fashion Square" \\ last 12 months',
        goal="Monthly NOI trend",
        steps=[
            step(
                "monthly",
                "fetch_financial_data",
                "Fetch 12 months of NOI",
                property_id="orlando_fashion_square",
                metrics=["noi"],
                months=12,
            ),
            step("trend", "trend_analysis", "Growth figures", data={"$ref": "monthly"}),
            step(
                "chart",
                "plot_trend",
                "Chart it",
                data={"$ref": "trend", "key": "series"},
                value_columns=["value"],
                filename="noi_trend.png",
                title='NOI "trend"',
            ),
        ],
        outputs=[ExpectedOutput(filename="noi_trend.png", kind="chart")],
        interpretations=["'last 12 months' means the latest 12 periods"],
    )
    return [at_risk, scenarios, trend]


def test_scripts_rendered_by_the_generator_pass(tool_registry, validator: ScriptValidator) -> None:
    from meta_agent.scripting import generate

    generator = generate.ScriptGenerator(tool_registry)
    for plan in _plans():
        source = generator.render(plan, plan.content_hash())
        assert validator.validate(source) == [], source


def test_default_registry_accepts_generated_scripts_and_rejects_hostile() -> None:
    validator = ScriptValidator()
    for name, source in GENERATED.items():
        assert validator.validate(source) == [], name
    hostile = "from meta_agent.tool_library.database_tools import os\nos.system('id')\n"
    assert {"import", "attribute"} <= {f.rule for f in validator.validate(hostile)}


# --- every finding, with its line ---------------------------------------------------------------

MANY_PROBLEMS = """\
import logging
import os
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics, query_database
from meta_agent.tool_library.data_tools import export_to_csv

metrics = fetch_portfolio_metrics(region="west")
frame = query_database("SELECT * FROM loans; DROP TABLE loans")
metrics.to_csv("/tmp/out.csv")
export_to_csv(metrics, "../escape.csv")
secret_token = "AKIAIOSFODNN7EXAMPLE"
eval("1 + 1")
class Loot:
    pass
print(metrics.__class__)
logger = logging.getLogger(__name__)
steps = [fetch_portfolio_metrics]
"""


def test_every_finding_is_reported_with_its_line(validator: ScriptValidator) -> None:
    found = lines_and_rules(validator.validate(MANY_PROBLEMS))
    assert found >= {
        (2, "import"),
        (6, "tool"),
        (7, "sql"),
        (8, "attribute"),
        (9, "output"),
        (10, "secret"),
        (11, "call"),
        (12, "construct"),
        (14, "attribute"),
        (15, "builtin"),
        (16, "tool"),
    }


def test_findings_are_sorted_and_unique(validator: ScriptValidator) -> None:
    findings = validator.validate(MANY_PROBLEMS)
    assert findings == sorted(set(findings), key=lambda f: (f.line, f.rule, f.message))
    assert {finding.rule for finding in findings} <= set(RULES)


def test_check_raises_script_rejected_with_the_findings(validator: ScriptValidator) -> None:
    with pytest.raises(ScriptRejected) as caught:
        validator.check(MANY_PROBLEMS, source_name="uploaded script")
    assert caught.value.findings == validator.validate(MANY_PROBLEMS)
    assert "uploaded script" in str(caught.value)
    assert "AKIAIOSFODNN7EXAMPLE" not in str(caught.value)  # findings never quote a secret


# --- syntax --------------------------------------------------------------------------------------


def test_a_syntax_error_is_one_finding_with_its_line(validator: ScriptValidator) -> None:
    findings = validator.validate("import logging\n\ndef main(:\n    pass\n")
    assert [(f.line, f.rule) for f in findings] == [(3, "syntax")]


@pytest.mark.parametrize(
    "source",
    ["x = 1\0\n", "x = (" * 300 + ")" * 300 + "\n", "x = " + "-" * 100_000 + "1\n"],
    ids=["null-byte", "deep-parentheses", "deep-unary"],
)
def test_unparseable_or_deep_sources_are_findings_not_crashes(
    validator: ScriptValidator, source: str
) -> None:
    findings = validator.validate(source)
    assert findings
    assert {finding.rule for finding in findings} <= {"syntax", "construct"}


def test_a_utf8_coding_declaration_is_fine(validator: ScriptValidator) -> None:
    assert validator.validate("# -*- coding: utf-8 -*-\nx = 1\n") == []


def test_an_oversized_script_is_refused(validator: ScriptValidator) -> None:
    source = "x = 1\n" * (policy.MAX_SOURCE_CHARS // 6 + 1)
    assert [f.rule for f in validator.validate(source)] == ["construct"]


# --- what is allowed ----------------------------------------------------------------------------

ALLOWED = {
    "stdlib-imports": """
        from __future__ import annotations
        import datetime as dt
        import json
        import math as m
        import statistics
        from collections import Counter, defaultdict
        from decimal import ROUND_HALF_UP, Decimal
        from typing import Any
        counts: dict[str, Any] = dict(Counter(["a", "b", "a"]))
        groups = defaultdict(list)
        groups["x"].append(m.sqrt(2))
        text = json.dumps({"mean": statistics.mean([1, 2, 3])}, indent=2, sort_keys=True)
        parsed = json.loads(text)
        today = dt.date.today().isoformat()
        amount = Decimal("1.005").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        """,
    "tool-alias": """
        from meta_agent.tool_library.database_tools import fetch_portfolio_metrics as portfolio
        frame = portfolio(property_types=["office", "retail"], states=["FL"])
        """,
    "literal-getattr": """
        from meta_agent.tool_library.database_tools import fetch_portfolio_metrics
        frame = fetch_portfolio_metrics()
        shape = getattr(frame, "shape", None)
        ok = hasattr(frame, "empty")
        """,
    "lambdas-as-arguments": """
        rows = [{"dscr": 1.3}, {"dscr": 0.9}]
        worst = sorted(rows, key=lambda row: row["dscr"])
        low = list(filter(lambda row: row["dscr"] < 1.25, rows))
        values = list(map(lambda row: round(row["dscr"], 2), rows))
        """,
    "sql-literals": """
        from meta_agent.tool_library.database_tools import batch_query, query_database
        pid = "orlando_fashion_square"
        loans = query_database(
            "SELECT loan_id, current_balance FROM loans WHERE property_id = :pid",
            params={"pid": pid},
        )
        frames = batch_query([
            {"query": "SELECT count(*) AS n FROM properties", "params": {}},
            {"query": "WITH t AS (SELECT * FROM loans) SELECT * FROM t"},
        ])
        """,
    "outputs": """
        from meta_agent.tool_library.chart_tools import plot_distribution, plot_dscr
        from meta_agent.tool_library.database_tools import fetch_portfolio_metrics
        frame = fetch_portfolio_metrics()
        plot_dscr(frame)
        plot_dscr(frame, filename="charts/dscr.png")
        plot_distribution(frame, "cap_rate", filename=None)
        """,
    "control-flow": """
        from meta_agent.tool_library.database_tools import fetch_portfolio_metrics
        def helper(frame, limit=3):
            total = 0
            for index, row in enumerate(frame.head(limit).to_dict("records")):
                if row.get("dscr") is None:
                    continue
                total += row["dscr"]
            if total > 100:
                total = total / 2
            assert total >= 0
            return total
        frame = fetch_portfolio_metrics()
        try:
            result = helper(frame)
        except (KeyError, ValueError) as exc:
            raise RuntimeError("could not total the DSCR") from exc
        squares = {n: n * n for n in range(3)}
        evens = [n for n in range(10) if n % 2 == 0]
        label = "yes" if evens else "no"
        """,
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_allowed_code_passes(validator: ScriptValidator, name: str) -> None:
    assert validator.validate(textwrap.dedent(ALLOWED[name])) == []


# --- what is refused, by rule -------------------------------------------------------------------

REFUSED = [
    ("import logging.handlers\n", 1, "import"),
    ("from logging import FileHandler\n", 1, "import"),
    ("from meta_agent.tool_library.outputs import results_path\n", 1, "import"),
    ("import math\nimport statistics as math\n", 2, "import"),
    ("import math\nmath = 3\n", 2, "import"),
    ("import math\nx = [math]\n", 2, "import"),
    ("import json\njson.dump({}, None)\n", 2, "attribute"),
    ("x = [1]\nx.__len__()\n", 2, "attribute"),
    ("x = {}\nx.y = 1\n", 2, "attribute"),
    ("x = 'a'\ny = x.format_map({})\n", 2, "attribute"),
    ("x = [1]\ny = x.pipe(len)\n", 2, "attribute"),
    ("x = [1]\ny = x.frobnicate()\n", 2, "attribute"),
    ("vars()\n", 1, "call"),
    ("f = eval\n", 1, "call"),
    ("x = getattr([], 'append' + '')\n", 1, "call"),
    ("x = hasattr([], '_private')\n", 1, "call"),
    ("print(**{'sep': ''})\n", 1, "call"),
    ("def f():\n    return len\nf()([])\n", 3, "call"),
    ("n = len\nn([])\n", 2, "call"),
    ("print(__file__)\n", 1, "builtin"),
    ("print(__name__)\n", 1, "builtin"),
    ("x = id(1)\n", 1, "builtin"),
    ("print(undefined_name)\n", 1, "builtin"),
    ("for print in []:\n    pass\n", 1, "builtin"),
    ("__spec__ = None\n", 1, "builtin"),
    ("f = lambda: 1\n", 1, "construct"),
    ("x = sorted([], key=lambda r=1: r)\n", 1, "construct"),
    ("x = [y async for y in z]\n", 1, "construct"),
    ("def g():\n    yield 1\n", 2, "construct"),
    ("x = 1\nmatch x:\n    case 1:\n        pass\n", 2, "construct"),
]


@pytest.mark.parametrize(("source", "line", "rule"), REFUSED)
def test_refused_code(validator: ScriptValidator, source: str, line: int, rule: str) -> None:
    findings = validator.validate(source)
    assert (line, rule) in lines_and_rules(findings), findings


TOOL_CALLS = [
    ("fetch_portfolio_metrics(['a'], ['b'], ['c'], ['d'], ['e'], ['f'])", "tool"),
    ("flag_at_risk()", "tool"),
    ("flag_at_risk(frame, threshold=True)", "tool"),
    ("fetch_financial_data('p1', months=True)", "tool"),
    ("fetch_financial_data('p1', metrics=['noi', 3])", "tool"),
    ("fetch_financial_data('p1', months=1.5)", "tool"),
    ("fetch_portfolio_metrics(**{'states': ['FL']})", "tool"),
    ("query_database('SELECT 1', params=['x'])", "tool"),
    ("query_database('SELECT * FROM t'.format())", "sql"),
    ("query_database(' '.join(['SELECT', '1']))", "sql"),
    ("batch_query(queries)", "sql"),
    ("batch_query([{'params': {}}])", "sql"),
    ("batch_query([{'query': 'SELECT 1'}, 'SELECT 2'])", "sql"),
    ("export_to_csv(frame, '/abs.csv')", "output"),
    ("export_to_csv(frame, 'a/b/c.csv')", "output"),
    ("export_to_csv(frame, 'a..b.csv')", "output"),
    ("export_to_csv(frame, 'C:\\\\x.csv')", "output"),
    ("export_to_csv(frame, None)", "output"),
    ("plot_dscr(frame, filename=name)", "output"),
]


@pytest.mark.parametrize(("call", "rule"), TOOL_CALLS)
def test_tool_call_checks(validator: ScriptValidator, call: str, rule: str) -> None:
    source = (
        textwrap.dedent(
            """\
        from meta_agent.tool_library.chart_tools import plot_dscr
        from meta_agent.tool_library.data_tools import export_to_csv
        from meta_agent.tool_library.analysis_tools import flag_at_risk
        from meta_agent.tool_library.database_tools import (
            batch_query, fetch_financial_data, fetch_portfolio_metrics, query_database,
        )
        frame = fetch_portfolio_metrics()
        name = "x.csv"
        queries = []
        """
        )
        + call
        + "\n"
    )
    assert (10, rule) in lines_and_rules(validator.validate(source))


# --- secrets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        'url = f"postgresql://{user}:{password}@db.internal/portfolio"\n',
        'url = "postgresql://analyst:***@db.internal/portfolio"\n',
        'url = "postgresql://analyst:%s@db.internal/portfolio" % secret\n',
        'logger.info("Plan hash: 74f081e6faee5271d892b45b314e61716084e04ba866e87f0db632b09431e64c")\n',
    ],
)
def test_templates_masks_and_hashes_are_not_secrets(source: str) -> None:
    assert policy.secret_findings(source) == []


def test_password_comparisons_are_found_whatever_thorough_says(tool_registry) -> None:
    # bandit's B105 case, now checked on the syntax tree in every mode.
    source = 'def check(token):\n    if token == "Zq3xW8p2Lm4n":\n        return True\n    return False\n'
    for thorough in (False, True):
        validator = ScriptValidator(tool_registry, thorough=thorough)
        assert (2, "secret") in lines_and_rules(validator.validate(source))


def test_comments_do_not_silence_the_secret_checks(validator: ScriptValidator) -> None:
    source = 'db_password = "Zq3xW8p2Lm4n-hunter"  # nosec  # pragma: allowlist secret\n'
    assert (1, "secret") in lines_and_rules(validator.validate(source))


# --- the policy's pure checks --------------------------------------------------------------------


# SQL: the guard's verdicts are tested on one corpus in tests/portfolio/test_sql_corpus.py.


@pytest.mark.parametrize(
    ("value", "schema", "fits"),
    [
        (1, {"type": "integer"}, True),
        (True, {"type": "integer"}, False),
        (1, {"type": "number"}, True),
        (1.5, {"type": "integer"}, False),
        (None, {"anyOf": [{"type": "string"}, {"type": "null"}]}, True),
        (["a", 1], {"type": "array", "items": {"type": "string"}}, False),
        ({"a": 1}, {"type": "object", "additionalProperties": {"type": "string"}}, False),
        ("sum", {"enum": ["sum", "avg"]}, True),
        ("median", {"enum": ["sum", "avg"]}, False),
        ("2025-12-01", {"type": "string", "format": "date"}, True),
        ("yesterday", {"type": "string", "format": "date"}, False),
        (
            (1, "a"),
            {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}]},
            True,
        ),
        ("anything", {}, True),
    ],
)
def test_schema_problem(value: object, schema: dict[str, object], fits: bool) -> None:
    assert (policy.schema_problem(value, schema) is None) is fits


def test_every_allowed_module_attribute_exists() -> None:
    import importlib

    for module_name, names in policy.ALLOWED_MODULES.items():
        module = importlib.import_module(module_name)
        missing = {name for name in names if not hasattr(module, name)}
        assert not missing, (module_name, missing)


def test_every_listed_name_is_an_identifier() -> None:
    lists = [
        policy.ALLOWED_BUILTINS,
        policy.VALUE_ATTRIBUTES,
        frozenset(policy.DENIED_ATTRIBUTES),
        *policy.ALLOWED_MODULES.values(),
    ]
    for names in lists:
        assert names
        assert all(name.isidentifier() for name in names), sorted(names)
    assert not policy.VALUE_ATTRIBUTES & set(policy.DENIED_ATTRIBUTES)
    assert not any(name.startswith("_") for name in policy.VALUE_ATTRIBUTES)


def test_while_loops_are_refused_for_loops_are_not() -> None:
    from meta_agent.scripting.validate import ScriptValidator
    from meta_agent.tool_library.tool_registry import ToolRegistry

    findings = ScriptValidator(ToolRegistry()).validate("while True:\n    pass\n", thorough=False)
    assert [(f.line, f.rule) for f in findings] == [(1, "construct")]
    assert (
        ScriptValidator(ToolRegistry()).validate("for n in range(3):\n    pass\n", thorough=False)
        == []
    )
