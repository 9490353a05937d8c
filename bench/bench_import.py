"""How long `db import` takes for a large book: 100,000 properties with 36 months each.

Generates the sample portfolio at that size once (cached under the temp folder), exports it to CSV
(`db export`), then imports the folder into a fresh SQLite file (and PostgreSQL when
reachable) several times and prints the medians, with peak memory of the importing process.
Target: under a minute on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_import.py [--properties 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TABLES = ("properties", "financials", "loans", "valuations", "market_data")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def timed_import(folder: Path, url: str) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one `db import` in a child process."""
    code = (
        "import sys, time, resource; from pathlib import Path;"
        "from meta_agent.portfolio.importing import import_portfolio;"
        "t = time.perf_counter(); import_portfolio(Path(sys.argv[1]), sys.argv[2], replace=True);"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(folder), url], capture_output=True, text=True, check=True
    )
    seconds, peak = out.stdout.split()
    return float(seconds), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--properties", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cache = Path(tempfile.gettempdir()) / f"meta-agent-bench-import-{args.properties}"
    source, folder = cache / "source.db", cache / "csv"
    if not (folder / "market_data.csv").exists():
        from meta_agent.portfolio.generator import generate_portfolio

        cache.mkdir(parents=True, exist_ok=True)
        source.unlink(missing_ok=True)
        print(f"generating {args.properties:,} properties and exporting them to CSV (once)...")
        generate_portfolio(f"sqlite:///{source}", properties=args.properties)
        from meta_agent.portfolio.exporting import export_portfolio

        export_portfolio(f"sqlite:///{source}", folder)
    size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
    print(f"{args.properties:,} properties, {size:,.0f} MB of CSV")
    targets = {"sqlite": f"sqlite:///{cache / 'imported.db'}"}
    try:
        import sqlalchemy as sa

        sa.create_engine(POSTGRES).connect().close()
        targets["postgresql"] = POSTGRES.replace("/test", "/meta_agent_bench_import")
        admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS meta_agent_bench_import WITH (FORCE)"))
            conn.execute(sa.text("CREATE DATABASE meta_agent_bench_import"))
    except Exception as exc:  # noqa: BLE001 - report and bench SQLite only
        print(f"PostgreSQL not reachable ({type(exc).__name__}); SQLite only")
    for name, url in targets.items():
        runs = [timed_import(folder, url) for _ in range(args.runs)]
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        print(
            f"{name:<10} import: {seconds:6.1f} s median of {args.runs}, peak RSS {peak:,.0f} MB "
            f"(target < 60 s)"
        )


if __name__ == "__main__":
    main()
