"""The answer on the terminal: readable at 80 columns, numbers whole, figures in words."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from rich.console import Console

from meta_agent.cli import answer

WIDE = [
    "property_id", "name", "property_type", "market", "noi", "debt_service", "dscr",
    "cap_rate", "occupancy", "ltv", "debt_yield", "similarity_score",
]  # fmt: skip


def _csv(path: Path, columns: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def _render(table: object, width: int = 80) -> list[str]:
    out = Console(width=width, record=True, color_system=None)
    out.print(table)
    return out.export_text().splitlines()


def _wide_rows(count: int) -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(count):
        step = i / 100
        rows.append(
            [f"property_{i}", f"Copperfield Shopping Center Number {i}", ["retail", "office"][i % 2],
             ["Orlando, FL", "Tampa, FL"][i % 2], 1_650_000.0 + i * 123_456.78, 1_250_000.5 + i,
             1.3212 + step, 0.0723 + step, 0.912 - step, 0.61 + step, 0.11 + step, 0.87 - step]
        )  # fmt: skip
    return rows


def test_a_wide_table_fits_80_columns_and_never_splits_a_number(tmp_path: Path) -> None:
    path = _csv(tmp_path / "wide.csv", WIDE, _wide_rows(5))
    lines = _render(answer.data_table(path, 80))
    assert max(len(line) for line in lines) <= 80
    body = "\n".join(lines)
    # Money is abbreviated rather than broken, and every amount sits whole on one line.
    assert "$1.65M" in body and "$1.77M" in body
    assert all(
        re.search(r"\$\d[\d.,]*[KMB]?\s*│", line)
        for line in lines
        if line.startswith("│") and "$" in line
    )
    assert "DSCR" in body and "1.32x" in body
    assert "also in the file" in body  # what did not fit is named


def test_a_narrow_table_keeps_full_amounts(tmp_path: Path) -> None:
    path = _csv(tmp_path / "narrow.csv", ["name", "noi"], [["Marlow Hotel", 7_537_173.55]])
    body = "\n".join(_render(answer.data_table(path, 80)))
    assert "$7,537,174" in body and "property_id" not in body


def test_constant_columns_are_said_once(tmp_path: Path) -> None:
    rows = [
        [name, 0, 60, 54, 8 + i, 1.5 - i / 10] for i, name in enumerate(["base", "noi_down_10"])
    ]
    columns = ["scenario", "rate_shock_bp", "property_count", "with_debt", "at_risk_count", "dscr"]
    wide = [c + "_with_a_long_suffix" if c == "with_debt" else c for c in columns]
    body = "\n".join(_render(answer.data_table(_csv(tmp_path / "s.csv", wide, rows), 60), 60))
    assert "Base case" in body and "NOI -10%" in body


def test_key_figures_are_labelled_in_words() -> None:
    summary = {
        "row_count": 60,
        "threshold": 1.3,
        "at_risk_count": 9,
        "no_debt_count": 6,
        "at_risk_ids": ["a", "b"],
        "by_scenario": {
            "base": {"at_risk_count": 8, "average_dscr": 1.56},
            "noi_-10pct": {"at_risk_count": 15, "average_dscr": 1.4},
        },
    }
    text = "\n".join(line for t in answer.key_figures(summary) for line in _render(t))
    assert "At risk (DSCR < 1.30x)" in text and "Properties without debt" in text
    assert "no_debt_count" not in text and "row_count" not in text.lower().replace(" ", "_")
    assert "Base case" in text and "NOI -10%" in text and "15" in text


def test_the_plan_decides_which_table_comes_first(tmp_path: Path) -> None:
    plan = {
        "outputs": [
            {"filename": "detail.csv", "kind": "csv"},
            {"filename": "headline.csv", "kind": "csv", "headline": True},
            {"filename": "chart.png", "kind": "chart"},
        ]
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    found = answer.headline_files(
        tmp_path, ["a_extra.csv", "chart.png", "detail.csv", "headline.csv"]
    )
    assert found == ["headline.csv", "detail.csv", "a_extra.csv"]
