"""The answer of a run on the terminal: the headline table and the key figures, in words.

A person reads the screen before opening any file, so the answer must be there: the table the
question asked for (in the order the plan produced it, the plan's headline first), readable at 80
columns without ever breaking a number, and the run's key figures labelled as a person says them
("At risk (DSCR < 1.25x)"), with per-scenario figures side by side.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

MAX_TABLE_ROWS = 25
MAX_TABLES = 2
# Columns a person does not need on screen; the files keep them.
# What a row is, beside its name: shown when there is room, first left to the file when not.
DESCRIPTIVE = frozenset(
    {"property_type", "market", "state", "loan_id", "interest_only", "origination_date", "at_risk"}
)
HIDDEN = frozenset(
    {"latitude", "longitude", "units", "year_built", "latest_period", "has_debt", "city", "zip"}
)
# Column padding and borders Rich adds per column, for the width estimate.
CELL_PADDING = 3
# Text cells longer than this end in an ellipsis on screen (the file has them whole).
NAME_WIDTH = 24


def headline_files(run_dir: Path, artifacts: Sequence[str]) -> list[str]:
    """The CSV results to show, headline first: the plan's outputs in its order (those marked
    ``headline`` before the others), then any other CSV the run wrote."""
    csvs = [name for name in artifacts if name.endswith(".csv")]
    try:
        plan = json.loads((run_dir / "plan.json").read_text(encoding="utf-8"))
        outputs = [o for o in plan.get("outputs", []) if str(o.get("filename", "")) in csvs]
    except (OSError, ValueError, AttributeError):
        outputs = []
    ordered = [o["filename"] for o in outputs if o.get("headline")]
    ordered += [o["filename"] for o in outputs if not o.get("headline")]
    return ordered + [name for name in csvs if name not in ordered]


def data_table(path: Path, width: int, limit: int = MAX_TABLE_ROWS) -> Table:
    """A result CSV as a table that fits ``width`` columns: names rather than ids, money
    abbreviated ($1.65M) when full amounts do not fit, and trailing columns left to the file
    (named in the caption) when even that is too wide. Numbers never wrap."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = [c for c in (list(rows[0]) if rows else []) if c not in HIDDEN]
    if "name" in columns and "property_id" in columns:
        columns.remove("property_id")
    shown = rows[:limit]

    def cells(compact: bool) -> dict[str, list[str]]:
        return {c: [format_cell(c, row.get(c), compact) for row in shown] for c in columns}

    compact = False
    rendered = cells(compact)
    if _width(rendered) > width:
        compact = True
        rendered = cells(compact)
    kept = list(columns)
    constant: list[str] = []
    if _width(rendered) > width and len(shown) > 1:
        # A column with one value in every row compares nothing: say it once, under the table.
        constant = [c for c in columns if len(set(rendered[c])) == 1 and c != "name"]
        kept = [c for c in kept if c not in constant]
    # Then leave to the file: descriptive columns first (type, market, ids), then the
    # rightmost of the rest (the planner puts what was asked first); the name stays.
    described = [c for c in kept if c in DESCRIPTIVE]
    rest = [c for c in kept if c not in DESCRIPTIVE and c not in ("name", "property_id")]
    droppable = described + rest[::-1]
    while droppable and len(kept) > 2 and _width({c: rendered[c] for c in kept}) > width:
        kept.remove(droppable.pop(0))
    dropped = [c for c in columns if c not in kept and c not in constant]

    from meta_agent.reporting.style import label

    # A narrow table must not wrap its file name ("results.cs / v").
    table = Table(title=path.name, title_justify="left", min_width=len(path.name))
    for column in kept:
        is_figure = bool(shown) and _is_number(shown[0].get(column))
        table.add_column(
            label(column),
            justify="right" if is_figure else "left",
            no_wrap=True,
            overflow="fold" if is_figure else "ellipsis",
            max_width=None if is_figure else NAME_WIDTH,
        )
    for index in range(len(shown)):
        table.add_row(*(rendered[c][index] for c in kept))
    notes = []
    if len(rows) > limit:
        notes.append(f"first {limit} of {len(rows)} rows")
    if constant:
        notes.append("every row: " + ", ".join(f"{label(c)} {rendered[c][0]}" for c in constant))
    if dropped:
        notes.append("also in the file: " + ", ".join(label(c) for c in dropped))
    if notes:
        table.caption = "; ".join(notes) + f" ({path.name})"
    return table


def format_cell(column: str, raw: Any, compact: bool = False) -> str:
    """A CSV cell as a person reads it ($1,234,567 or $1.23M, 1.23x, 6.5%, yes/no)."""
    from meta_agent.reporting.style import column_kind, format_value, scenario_label

    if column == "scenario" and raw:
        return scenario_label(str(raw))
    if raw in ("True", "False"):
        return "yes" if raw == "True" else "no"
    if raw is None or raw == "":
        return format_value(column, None)
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return format_value(column, raw)
    if compact and column_kind(column) in ("currency", "currency_cents"):
        return compact_money(number)
    return format_value(column, number)


def compact_money(value: float) -> str:
    """$1.65M, $950K, -$2.10B: three significant figures are enough to read a table."""
    size, sign = abs(value), "-" if value < 0 else ""
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if size >= scale:
            return f"{sign}${size / scale:,.2f}{suffix}"
    return f"{sign}${size:,.0f}"


def key_figures(summary: Mapping[str, Any]) -> list[Table]:
    """The run's figures in words: one table of single figures, one per-scenario table."""
    from meta_agent.reporting.style import figure_label, format_figure

    threshold = summary.get("threshold")
    limit = f"{float(threshold):.2f}x" if isinstance(threshold, (int, float)) else "the threshold"
    words = {
        "at_risk_count": f"At risk (DSCR < {limit})",
        "no_debt_count": "Properties without debt",
        "threshold": "At-risk threshold (DSCR)",
    }
    single = Table(title="Key figures", title_justify="left", show_header=False)
    single.add_column("figure")
    single.add_column("value", overflow="fold")
    for key, value in summary.items():
        # Lists (ids) and the row count repeat what the tables above already show.
        if isinstance(value, (dict, list)) or key == "row_count":
            continue
        text = f"{float(value):.2f}x" if key == "threshold" else format_figure((key,), value)
        single.add_row(words.get(key, figure_label((key,))), text)
    if summary.get("row_count") == 1:  # one group figure (portfolio DSCR...): its values
        for name, described in (summary.get("metrics") or {}).items():
            if isinstance(described, Mapping) and described.get("mean") is not None:
                single.add_row(figure_label((name,)), format_figure((name,), described["mean"]))
    tables = [single] if single.row_count else []
    scenarios = summary.get("by_scenario")
    if isinstance(scenarios, Mapping) and scenarios:
        tables.append(_scenario_table(scenarios, limit))
    return tables


def _scenario_table(scenarios: Mapping[str, Any], limit: str) -> Table:
    from meta_agent.reporting.style import figure_label, format_figure, scenario_label

    names = [k for k, v in next(iter(scenarios.values())).items() if not isinstance(v, list)]
    table = Table(title="Per scenario", title_justify="left")
    table.add_column("Scenario")
    for name in names:
        heading = f"At risk (DSCR < {limit})" if name == "at_risk_count" else figure_label((name,))
        table.add_column(heading, justify="right", no_wrap=True)
    for scenario, figures in scenarios.items():
        values = figures if isinstance(figures, Mapping) else {}
        table.add_row(
            scenario_label(scenario), *(format_figure((n,), values.get(n)) for n in names)
        )
    return table


def show_answer(
    out: Console, run_dir: Path, artifacts: Sequence[str], summary: Mapping[str, Any]
) -> None:
    """Headline tables, then the key figures."""
    results = run_dir / "results"
    for name in headline_files(run_dir, artifacts)[:MAX_TABLES]:
        out.print(data_table(results / name, out.width))
    for table in key_figures(summary):
        out.print(table)


def _width(columns: Mapping[str, list[str]]) -> int:
    from meta_agent.reporting.style import label

    total = 1
    for column, values in columns.items():
        longest = max([len(v) for v in values] + [min(len(label(column)), 12)])
        total += min(longest, NAME_WIDTH) + CELL_PADDING
    return total


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
