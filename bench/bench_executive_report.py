"""Benchmark: time to build the executive report for the default portfolio and for 10,000 properties.

    .venv/bin/python bench/bench_executive_report.py                 # 60 and 10,000 properties
    .venv/bin/python bench/bench_executive_report.py --sizes 60 --runs 7

For each size the sample portfolio is generated into a temporary SQLite file
(``generate_portfolio(url, properties=N, seed=42)``) and read with the database tools
(``fetch_portfolio_metrics``, ``fetch_monthly_performance`` and, for the movers, per-property monthly
NOI through ``query_database``). Where those are not available yet, synthetic frames with the
CONTRACTS.md columns stand in (``--source synthetic`` forces them). Only
``build_executive_report`` is timed: the first (cold) run, which also imports matplotlib,
ReportLab and XlsxWriter, and the median of the warm runs after it (wall clock, and CPU time,
which a busy machine disturbs less). Targets: < 3 s for the
default portfolio, < 30 s for 10,000 properties.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGETS = {60: 3.0, 10_000: 30.0}


def synthetic_frames(n: int, seed: int = 42) -> tuple[Any, Any, Any]:
    """(metrics, monthly, property_monthly) with the CONTRACTS.md columns, 36 months to 2025-12."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    months = 36
    ids = [f"property_{i:06d}" for i in range(n)]
    periods = pd.date_range(end="2025-12-01", periods=months, freq="MS")
    sqft = rng.integers(40_000, 600_000, n)
    season = 1 + 0.04 * np.sin(2 * np.pi * (periods.month.to_numpy() - 1) / 12)
    growth = (1 + rng.normal(0.002, 0.006, n))[:, None] ** np.arange(months)[None, :]
    noi = (
        (sqft * rng.uniform(1.2, 2.4, n))[:, None]
        * growth
        * season
        * rng.normal(1, 0.02, (n, months))
    )
    occupancy = np.clip(rng.normal(0.9, 0.05, (n, 1)) + rng.normal(0, 0.01, (n, months)), 0.5, 1)
    rows = pd.DataFrame(
        {
            "property_id": np.repeat(ids, months),
            "period": np.tile(periods.date, n),
            "noi": noi.ravel(),
            "occupancy": occupancy.ravel(),
        }
    )
    t12 = noi[:, -12:].sum(axis=1)
    has_debt = rng.uniform(size=n) > 0.15
    debt_service = np.where(has_debt, t12 / rng.uniform(0.85, 2.6, n), 0.0)
    value = t12 / rng.uniform(0.05, 0.085, n)
    balance = np.where(has_debt, value * rng.uniform(0.4, 0.75, n), 0.0)
    markets = [
        "Orlando, FL",
        "Dallas, TX",
        "Austin, TX",
        "Atlanta, GA",
        "Denver, CO",
        "Phoenix, AZ",
        "Chicago, IL",
        "Seattle, WA",
        "Boston, MA",
        "Miami, FL",
    ]
    types = ["retail", "office", "multifamily", "industrial", "hotel", "mixed_use"]
    safe = np.where(has_debt, debt_service, 1.0)
    metrics = pd.DataFrame(
        {
            "property_id": ids,
            "name": [f"Property {i}" for i in range(n)],
            "property_type": [types[i % 6] for i in range(n)],
            "market": [markets[i] for i in rng.integers(0, len(markets), n)],
            "square_feet": sqft,
            "latest_period": [periods[-1].date()] * n,
            "noi": t12,
            "debt_service": debt_service,
            "loan_balance": balance,
            "value": value,
            "dscr": np.where(has_debt, t12 / safe, np.nan),
            "cap_rate": t12 / value,
            "ltv": balance / value,
            "debt_yield": np.where(has_debt, t12 / np.where(has_debt, balance, 1.0), np.nan),
            "occupancy": occupancy[:, -1],
            "has_debt": has_debt,
        }
    )
    weight = np.repeat(sqft, months)
    monthly = (
        rows.assign(_w=weight, _wo=rows["occupancy"] * weight)
        .groupby("period", as_index=False)
        .agg(noi=("noi", "sum"), _wo=("_wo", "sum"), _w=("_w", "sum"))
    )
    monthly["occupancy"] = monthly.pop("_wo") / monthly.pop("_w")
    monthly["property_count"] = n
    return metrics, monthly, rows[["property_id", "period", "noi"]]


def database_frames(n: int, folder: Path) -> tuple[Any, Any, Any] | None:
    """Frames read from a generated sample portfolio, or None when the tools are not there yet."""
    try:
        from meta_agent.portfolio.generator import generate_portfolio
        from meta_agent.tool_library import database_tools
    except ImportError as exc:
        print(f"  (database tools not available: {exc}; using synthetic frames)")
        return None
    url = f"sqlite:///{folder / f'portfolio_{n}.db'}"
    started = time.perf_counter()
    generate_portfolio(url, properties=n, seed=42)
    print(f"  generated {n:,} properties in {time.perf_counter() - started:.1f} s")
    os.environ["META_AGENT_DATABASE_URL"] = url
    started = time.perf_counter()
    metrics = database_tools.fetch_portfolio_metrics()
    monthly = database_tools.fetch_monthly_performance()
    latest = str(monthly["period"].max())[:10]
    year_ago = f"{int(latest[:4]) - 1}{latest[4:]}"
    property_monthly = database_tools.query_database(
        "SELECT property_id, period, noi FROM financials WHERE period IN (:latest, :year_ago)",
        {"latest": latest, "year_ago": year_ago},
    )
    print(f"  read the frames in {time.perf_counter() - started:.2f} s")
    return metrics, monthly, property_monthly


def bench(n: int, runs: int, source: str, folder: Path) -> dict[str, Any]:
    from meta_agent.tool_library.report_tools import build_executive_report

    print(f"{n:,} properties")
    frames = database_frames(n, folder) if source != "synthetic" else None
    if frames is None:
        if source == "db":
            raise SystemExit("--source db needs meta_agent.tool_library.database_tools")
        frames = synthetic_frames(n)
        source_used = "synthetic"
    else:
        source_used = "database"
    metrics, monthly, property_monthly = frames
    results = folder / f"results_{n}"
    os.environ["META_AGENT_RESULTS_DIR"] = str(results)
    times, cpu = [], []
    for _ in range(runs + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        figures = build_executive_report(
            metrics,
            monthly,
            request="Generate monthly performance report for executive team",
            property_monthly=property_monthly,
        )
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    from pypdf import PdfReader

    pages = len(PdfReader(results / "executive_report.pdf").pages)
    sizes = {name: (results / name).stat().st_size for name in figures["files"]}
    warm = times[1:]
    return {
        "properties": n,
        "source": source_used,
        "cold_seconds": times[0],
        "median_seconds": statistics.median(warm),
        "median_cpu_seconds": statistics.median(cpu[1:]),
        "min_seconds": min(warm),
        "max_seconds": max(warm),
        "runs": len(warm),
        "pdf_pages": pages,
        "pdf_kb": sizes["executive_report.pdf"] / 1024,
        "xlsx_kb": sizes["executive_report.xlsx"] / 1024,
        "at_risk": figures["at_risk_count"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 10_000])
    parser.add_argument(
        "--runs", type=int, default=5, help="warm runs per size (after one cold run)"
    )
    parser.add_argument("--source", choices=["auto", "db", "synthetic"], default="auto")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-executive-") as tmp:
        for n in args.sizes:
            runs = args.runs if n <= 1_000 else max(1, min(args.runs, 3))
            rows.append(bench(n, runs, args.source, Path(tmp)))
    print()
    header = (
        f"{'properties':>10}  {'source':<9} {'cold s':>7} {'median s':>9} {'min s':>7} "
        f"{'max s':>7} {'cpu s':>6} {'runs':>4} {'pages':>5} {'pdf KB':>7} {'xlsx KB':>8} {'target':>7}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for r in rows:
        target = TARGETS.get(r["properties"])
        verdict = "" if target is None else ("ok" if r["median_seconds"] < target else "SLOW")
        ok = ok and verdict != "SLOW"
        target_text = f"<{target:g}s" if target else "-"
        print(
            f"{r['properties']:>10,}  {r['source']:<9} {r['cold_seconds']:>7.2f} "
            f"{r['median_seconds']:>9.2f} {r['min_seconds']:>7.2f} {r['max_seconds']:>7.2f} "
            f"{r['median_cpu_seconds']:>6.2f} "
            f"{r['runs']:>4} {r['pdf_pages']:>5} {r['pdf_kb']:>7.0f} {r['xlsx_kb']:>8.0f} "
            f"{target_text:>7} {verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
