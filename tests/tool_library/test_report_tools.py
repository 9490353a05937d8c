"""report_tools: the executive report tool writes its files into the results folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from meta_agent.tool_library import report_tools
from meta_agent.tool_library.data_tools import write_results_json
from meta_agent.tool_library.tool_registry import ToolRegistry


def _portfolio(n: int = 12) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Small frames with the CONTRACTS.md columns the report reads, consistent with each other."""
    rng = np.random.default_rng(8)
    ids = [f"p{i:02d}" for i in range(n)]
    periods = pd.date_range(end="2025-12-01", periods=13, freq="MS")
    noi = rng.uniform(1e5, 4e5, (n, 1)) * np.linspace(1.0, 1.05, 13)
    occupancy = rng.uniform(0.8, 0.98, (n, 13))
    rows = pd.DataFrame(
        {
            "property_id": np.repeat(ids, 13),
            "period": np.tile(periods.date, n),
            "noi": noi.ravel(),
            "occupancy": occupancy.ravel(),
        }
    )
    t12 = noi[:, -12:].sum(axis=1)
    has_debt = np.arange(n) % 4 != 0
    debt_service = np.where(has_debt, t12 / rng.uniform(0.9, 2.2, n), 0.0)
    metrics = pd.DataFrame(
        {
            "property_id": ids,
            "name": [f"Property {i}" for i in range(n)],
            "property_type": ["retail", "office", "hotel"] * (n // 3),
            "market": ["Orlando, FL", "Dallas, TX"] * (n // 2),
            "square_feet": rng.integers(50_000, 400_000, n),
            "noi": t12,
            "debt_service": debt_service,
            "dscr": np.where(has_debt, t12 / np.where(has_debt, debt_service, 1.0), np.nan),
            "ltv": rng.uniform(0.4, 0.7, n),
            "occupancy": occupancy[:, -1],
            "has_debt": has_debt,
        }
    )
    monthly = rows.groupby("period", as_index=False)["noi"].sum()
    weights = metrics.set_index("property_id")["square_feet"]
    w = rows["property_id"].map(weights)
    monthly["occupancy"] = (
        (rows["occupancy"] * w).groupby(rows["period"]).sum() / w.groupby(rows["period"]).sum()
    ).to_numpy()
    monthly["property_count"] = n
    return metrics, monthly, rows


def test_registered() -> None:
    (tool,) = ToolRegistry().register_module(report_tools)
    assert tool.name == "build_executive_report"
    assert tool.category == "reporting" and tool.side_effects == frozenset({"writes_files"})
    assert tool.parameters["required"] == ["metrics", "monthly"]
    assert list(tool.parameters["properties"]) == [
        "metrics",
        "monthly",
        "request",
        "threshold",
        "property_monthly",
    ]
    assert tool.returns == {"type": "object"}


def test_writes_the_report_and_returns_json_ready_figures(tmp_results: Path) -> None:
    metrics, monthly, rows = _portfolio()
    figures = report_tools.build_executive_report(
        metrics, monthly, request="monthly report pls", threshold=1.3, property_monthly=rows
    )
    for name in figures["files"]:
        assert (tmp_results / name).stat().st_size > 0
    assert figures["threshold"] == 1.3
    assert figures["at_risk_count"] == int((metrics["dscr"] < 1.3).sum())
    assert len(figures["movers"]) == 5
    text = PdfReader(tmp_results / "executive_report.pdf").pages[0].extract_text()
    assert "monthly report pls" in text
    write_results_json(figures)
    recorded = json.loads((tmp_results / "results.json").read_text())
    assert recorded["t12_noi"] == pytest.approx(figures["t12_noi"])
    assert recorded["files"] == figures["files"]


def test_without_per_property_months_the_movers_are_explained(tmp_results: Path) -> None:
    metrics, monthly, _ = _portfolio()
    figures = report_tools.build_executive_report(metrics, monthly)
    assert figures["movers"] is None
    text = "\n".join(
        p.extract_text() for p in PdfReader(tmp_results / "executive_report.pdf").pages
    )
    assert "pass property_monthly" in text
