from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from meta_agent.errors import ToolError
from meta_agent.reporting import charts


@pytest.fixture(scope="module")
def frames(synthetic_portfolio):
    return synthetic_portfolio(30, seed=5)


def _png(path: Path) -> tuple[int, int]:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        return image.size


def _no_leftovers(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_dscr_chart(tmp_path: Path, frames) -> None:
    metrics, _, _ = frames
    path = charts.dscr_chart(metrics, tmp_path / "dscr.png", threshold=1.25)
    width, height = _png(path)
    assert width == 1200 and height > 600  # 8 in at 150 dpi, tall enough for every bar
    _no_leftovers(tmp_path)


def test_dscr_chart_caps_bars_for_large_portfolios(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 5_000
    data = pd.DataFrame(
        {"property_id": [f"p{i}" for i in range(n)], "dscr": rng.uniform(0.6, 3, n)}
    )
    _, height = _png(charts.dscr_chart(data, tmp_path / "big.png"))
    assert height < 2_200  # MAX_DSCR_BARS bars, not 5,000


def test_dscr_chart_without_debt_still_draws(tmp_path: Path) -> None:
    data = pd.DataFrame({"name": ["A", "B"], "dscr": [np.nan, np.nan]})
    _png(charts.dscr_chart(data, tmp_path / "none.png"))


def test_trend_chart_png_and_svg(tmp_path: Path, frames) -> None:
    _, monthly, property_monthly = frames
    _png(charts.trend_chart(monthly, ["noi", "occupancy"], tmp_path / "trend.png"))
    svg = charts.trend_chart(monthly, ["noi"], tmp_path / "trend.svg", title="NOI").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "NOI" in svg  # text stays text (svg.fonttype none)
    some = property_monthly[property_monthly["property_id"].isin(["prop_00001", "prop_00002"])]
    _png(charts.trend_chart(some, ["noi"], tmp_path / "two.png"))


def test_trend_chart_rejects_bad_input(tmp_path: Path, frames) -> None:
    _, monthly, _ = frames
    with pytest.raises(ToolError, match="missing"):
        charts.trend_chart(monthly, ["nope"], tmp_path / "x.png")
    with pytest.raises(ToolError, match="at least one value column"):
        charts.trend_chart(monthly, [], tmp_path / "x.png")
    with pytest.raises(ToolError, match="dates such as"):
        charts.trend_chart(monthly.assign(period="soon"), ["noi"], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_scenario_chart_from_summary_or_long_results(tmp_path: Path) -> None:
    summary = pd.DataFrame(
        {
            "scenario": ["base", "noi_down_10", "noi_down_20"],
            "at_risk_count": [3, 6, 11],
            "average_dscr": [1.8, 1.6, 1.4],
            "min_dscr": [0.9, 0.8, 0.7],
        }
    )
    _png(charts.scenario_chart(summary, tmp_path / "s.png"))
    long = pd.DataFrame(
        {
            "scenario": ["base", "base", "down", "down"],
            "property_id": ["a", "b", "a", "b"],
            "dscr": [1.5, 1.1, 1.2, 0.9],
            "at_risk": [False, True, True, True],
        }
    )
    _png(charts.scenario_chart(long, tmp_path / "l.png"))


def test_comparison_chart(tmp_path: Path, frames) -> None:
    metrics, _, _ = frames
    table = metrics.head(4)[["property_id", "name", "noi", "dscr", "cap_rate", "occupancy"]]
    table = table.assign(role=["target", "peer", "peer", "peer_average"])
    _png(charts.comparison_chart(table, tmp_path / "c.png"))
    _png(charts.comparison_chart(table, tmp_path / "c2.png", metrics=["noi"]))
    with pytest.raises(ToolError, match="needs one of the columns"):
        charts.comparison_chart(table[["name"]], tmp_path / "c3.png")


def test_distribution_chart(tmp_path: Path, frames) -> None:
    metrics, _, _ = frames
    _png(charts.distribution_chart(metrics, "dscr", tmp_path / "d.png", threshold=1.25))
    _png(charts.distribution_chart(metrics, "cap_rate", tmp_path / "c.png"))
    same = pd.DataFrame({"occupancy": [0.9, 0.9, 0.9]})
    _png(charts.distribution_chart(same, "occupancy", tmp_path / "same.png"))
    skewed = pd.DataFrame({"dscr": [1.1, 1.3, 1.4, 1.5, 1.6, 1.7, 25.0]})
    _png(charts.distribution_chart(skewed, "dscr", tmp_path / "tail.png", threshold=1.25))


@pytest.mark.parametrize(
    ("unit", "ticks", "labels"),
    [
        ("currency", [0, 2.5e6, 5e6, 7.5e6], ["$0", "$2.5M", "$5.0M", "$7.5M"]),
        ("currency", [0, 2e6, 4e6], ["$0", "$2M", "$4M"]),
        ("currency", [0, 250_000, 500_000], ["$0", "$250K", "$500K"]),
        ("percent", [0.0, 0.025, 0.05], ["0.0%", "2.5%", "5.0%"]),
        ("percent", [0.0, 0.05, 0.10], ["0%", "5%", "10%"]),
        ("ratio", [0.0, 0.5, 1.25], ["0.00x", "0.50x", "1.25x"]),
        ("integer", [0, 5, 10], ["0", "5", "10"]),
    ],
)
def test_tick_labels_are_exact_at_the_tick(
    unit: str, ticks: list[float], labels: list[str]
) -> None:
    from meta_agent.reporting import chart_style

    assert chart_style.formatter(unit).format_ticks(ticks) == labels


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("base", "Base case"),
        ("noi_-10pct", "NOI -10%"),
        ("rate_+200bp", "rates +200 bp"),
        ("noi_-5pct_rate_+75bp", "NOI -5%, rates +75 bp"),
        ("Severe recession", "Severe recession"),
    ],
)
def test_scenario_axes_read_as_words(name: str, label: str) -> None:
    from meta_agent.reporting import style

    assert style.scenario_label(name) == label
