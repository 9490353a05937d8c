"""Benchmark: what the SQL guard costs, cold (a fresh process) and warm.

    .venv/bin/python bench/bench_sqlguard.py            # 7 fresh processes, 50 warm checks each
    .venv/bin/python bench/bench_sqlguard.py --runs 11

Prints medians of: importing sqlglot in a fresh process; the first check in a fresh process
(import + dialect + parse of the executive report's query); a warm check of a short query, of the
report's query and of a 700-character CTE query, on SQLite and PostgreSQL; and the validation of
a one-call script with SQL, warm (the cache of verdicts is cleared before each timed check). The
budget: planning and validation of a request stay under 50 ms once sqlglot is imported.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COLD = """
import time
t0 = time.perf_counter()
import sqlglot
t1 = time.perf_counter()
from meta_agent.portfolio import sqlguard
from meta_agent.planning.analysis_recipes import RECENT_NOI_QUERY
t2 = time.perf_counter()
assert sqlguard.sql_problem(RECENT_NOI_QUERY, "sqlite") is None
t3 = time.perf_counter()
print(t1 - t0, t3 - t2)
"""

SHORT = "SELECT property_id, name FROM properties WHERE market = :market ORDER BY name"
CTE = (
    "WITH t12 AS (SELECT f.property_id, SUM(f.noi) AS noi FROM financials f "
    "WHERE f.period > :since GROUP BY f.property_id), ds AS (SELECT property_id, "
    "SUM(annual_debt_service) AS ds, SUM(current_balance) AS bal FROM loans GROUP BY property_id) "
    "SELECT p.property_id, p.name, p.market, t12.noi, ds.ds, CASE WHEN ds.ds > 0 THEN t12.noi / "
    "ds.ds END AS dscr, ROW_NUMBER() OVER (PARTITION BY p.market ORDER BY t12.noi DESC) AS rk "
    "FROM properties p JOIN t12 ON t12.property_id = p.property_id LEFT JOIN ds ON "
    "ds.property_id = p.property_id WHERE p.property_type IN ('retail', 'office') AND "
    "COALESCE(ds.ds, 0) >= 0 ORDER BY dscr LIMIT 20"
)


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes (cold figures)")
    parser.add_argument("--checks", type=int, default=50, help="warm checks per figure")
    args = parser.parse_args()

    imports, firsts = [], []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-c", COLD], check=True, capture_output=True, text=True
        ).stdout.split()
        imports.append(float(out[0]))
        firsts.append(float(out[1]))
    print(f"import sqlglot (fresh process)           {median_ms(imports)}")
    print(f"first check after the import (cold)      {median_ms(firsts)}")

    from meta_agent.planning.analysis_recipes import RECENT_NOI_QUERY
    from meta_agent.portfolio import sqlguard

    for dialect in ("sqlite", "postgres"):
        for label, query in (("short", SHORT), ("report", RECENT_NOI_QUERY), ("CTE", CTE)):
            samples = []
            for _ in range(args.checks):
                sqlguard._check.cache_clear()
                start = time.perf_counter()
                assert sqlguard.sql_problem(query, dialect) is None
                samples.append(time.perf_counter() - start)
            name = f"warm check, {label} ({len(query)} chars), {dialect}"
            print(f"{name:<41}{median_ms(samples)}")

    from meta_agent.scripting.validate import ScriptValidator
    from meta_agent.tool_library.tool_registry import default_registry

    validator = ScriptValidator(default_registry(), thorough=False, sql_dialect="sqlite")
    source = (
        "from meta_agent.tool_library.database_tools import query_database\n"
        f"frame = query_database({RECENT_NOI_QUERY!r})\n"
    )
    samples = []
    for _ in range(args.checks):
        sqlguard._check.cache_clear()
        start = time.perf_counter()
        assert validator.validate(source) == []
        samples.append(time.perf_counter() - start)
    print(f"{'validate a script with the report query':<41}{median_ms(samples)}")


if __name__ == "__main__":
    main()
