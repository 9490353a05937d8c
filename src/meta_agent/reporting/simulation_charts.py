"""Charts of a simulation: DSCR against NOI shock, an at-risk heatmap, a tornado, Monte Carlo.

Each function takes the comparison table (``simulation.compare``) or Monte Carlo arrays and a
path, draws with the shared look of ``chart_style`` and returns the path, or None when the table
holds nothing that chart can show (a heatmap needs two NOI and two rate values, say).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
from meta_agent.reporting import chart_style as cs
from meta_agent.reporting import style

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

OTHER_SHOCKS = ("cap_rate_shift_bp", "vacancy_change_pts", "expense_growth_pct")
MAX_TORNADO_BARS = 30
MAX_BREACH_BARS = 40


def _noi_rate_rows(comparison: pd.DataFrame) -> pd.DataFrame:
    """Succeeded portfolio-wide shocks (built-in or a script's) that move NOI and rates only."""
    if "noi_change_pct" not in comparison.columns or "dscr" not in comparison.columns:
        return comparison.iloc[0:0].assign(noi_change_pct=[], rate_shift_bp=[])
    kinds = comparison["kind"].isin(["shock", "script"])
    rows = comparison[(comparison["status"] == "succeeded") & kinds]
    rows = rows.assign(noi_change_pct=rows["noi_change_pct"].fillna(0.0))
    for column in OTHER_SHOCKS:
        if column in rows.columns:
            rows = rows[rows[column].fillna(0) == 0]
    if "rate_shift_bp" not in rows.columns:
        rows = rows.assign(rate_shift_bp=0.0)
    for column in ("property_types", "markets", "property_ids"):
        if column in rows.columns:
            rows = rows[rows[column].isna()]
    return rows


def dscr_vs_noi_chart(
    comparison: pd.DataFrame, path: Path, threshold: float = DEFAULT_AT_RISK_THRESHOLD
) -> Path | None:
    """Aggregate DSCR against the NOI change, one line per rate shift, the threshold drawn."""
    rows = _noi_rate_rows(comparison)
    if rows.empty or rows["noi_change_pct"].nunique() < 2:
        return None
    with cs.rc():
        fig = cs.figure(7.5, 4.2)
        ax = fig.add_subplot()
        _title(fig, "Portfolio DSCR against NOI shock")
        colours = [style.NAVY, style.AMBER, style.RED, style.GREY, style.GREEN]
        for i, (shift, group) in enumerate(rows.groupby("rate_shift_bp", sort=True)):
            group = group.sort_values("noi_change_pct")
            ax.plot(
                group["noi_change_pct"],
                group["dscr"],
                marker="o",
                color=colours[i % len(colours)],
                label=f"rates {shift:+g} bp" if shift else "rates unchanged",
            )
        ax.axhline(threshold, color=style.RED, linestyle="--", linewidth=1.0)
        ax.annotate(
            f"threshold {threshold:.2f}x", (0.01, threshold), xycoords=("axes fraction", "data"),
            xytext=(0, 3), textcoords="offset points", fontsize=8, color=style.RED,
        )  # fmt: skip
        ax.set_xlabel("NOI change (%)")
        ax.set_ylabel("Aggregate DSCR")
        ax.yaxis.set_major_formatter(cs.formatter("ratio"))
        ax.legend(loc="best")
        return cs.save(fig, path)


def at_risk_heatmap(comparison: pd.DataFrame, path: Path) -> Path | None:
    """The at-risk count over NOI change (rows) x rate shift (columns)."""
    rows = _noi_rate_rows(comparison)
    if "at_risk_count" not in rows.columns or rows.empty:
        return None
    if rows["noi_change_pct"].nunique() < 2 or rows["rate_shift_bp"].nunique() < 2:
        return None
    table = rows.pivot_table(
        index="noi_change_pct", columns="rate_shift_bp", values="at_risk_count", aggfunc="max"
    ).sort_index(ascending=False)
    if table.isna().to_numpy().any():
        return None  # not a grid (one-factor lists): the tornado shows those
    with cs.rc():
        fig = cs.figure(max(5.5, 1.6 + 0.9 * table.shape[1]), 1.6 + 0.45 * table.shape[0])
        ax = fig.add_subplot()
        _title(fig, "Properties at risk: NOI shock x rate shift")
        image = ax.imshow(table.to_numpy(dtype=float), cmap="Reds", aspect="auto")
        ax.grid(False)
        ax.set_xticks(range(table.shape[1]), [f"{c:+g} bp" for c in table.columns])
        ax.set_yticks(range(table.shape[0]), [f"{r:+g}%" for r in table.index])
        ax.set_xlabel("Rate shift")
        ax.set_ylabel("NOI change")
        peak = float(table.to_numpy(dtype=float).max() or 1.0)
        for (i, j), value in _cells(table.to_numpy(dtype=float)):
            ax.text(
                j, i, f"{value:,.0f}", ha="center", va="center", fontsize=8,
                color="white" if value > peak * 0.6 else style.INK,
            )  # fmt: skip
        fig.colorbar(image, ax=ax, label="Properties at risk")
        return cs.save(fig, path)


def tornado_chart(comparison: pd.DataFrame, path: Path) -> Path | None:
    """Change in aggregate DSCR against the base case, per scenario, largest moves first."""
    if "dscr_change" not in comparison.columns:
        return None
    rows = comparison[(comparison["status"] == "succeeded") & (comparison["kind"] == "shock")]
    rows = rows[rows["dscr_change"].abs() > 1e-12].dropna(subset=["dscr_change"])
    if rows.empty:
        return None
    rows = rows.reindex(rows["dscr_change"].abs().sort_values(ascending=False).index)
    rows = rows.head(MAX_TORNADO_BARS).iloc[::-1]
    labels = [cs.shorten(str(s), 32) for s in rows["scenario"]]
    with cs.rc():
        fig = cs.figure(7.5, 1.2 + 0.28 * len(rows))
        ax = fig.add_subplot()
        _title(fig, "Sensitivity: change in portfolio DSCR against the base case")
        values = rows["dscr_change"].to_numpy(dtype=float)
        ax.barh(labels, values, color=[style.RED if v < 0 else style.GREEN for v in values])
        ax.axvline(0, color=style.INK, linewidth=0.8)
        ax.set_xlabel("Change in aggregate DSCR")
        ax.xaxis.set_major_formatter(cs.formatter("ratio"))
        ax.grid(axis="y", visible=False)
        return cs.save(fig, path)


def fan_chart(fan: pd.DataFrame, path: Path, threshold: float, draws: int) -> Path:
    """Monte Carlo: aggregate DSCR month by month to the horizon, P5-P95 and P25-P75 bands
    around the median (``MonteCarloResult.fan_table``), with the threshold."""
    months = fan["month"].to_numpy()
    with cs.rc():
        fig = cs.figure(7.5, 3.8)
        ax = fig.add_subplot()
        _title(fig, f"Monte Carlo: portfolio DSCR over {months[-1]:g} months, {draws:,} draws")
        ax.fill_between(
            months, fan["dscr_p5"], fan["dscr_p95"], color=style.NAVY, alpha=0.18,
            linewidth=0, label="P5-P95",
        )  # fmt: skip
        ax.fill_between(
            months, fan["dscr_p25"], fan["dscr_p75"], color=style.NAVY, alpha=0.35,
            linewidth=0, label="P25-P75",
        )  # fmt: skip
        ax.plot(months, fan["dscr_p50"], color=style.NAVY, linewidth=1.8, label="Median")
        ax.axhline(threshold, color=style.RED, linestyle="--", linewidth=1.0)
        ax.annotate(
            f"threshold {threshold:.2f}x", (0, threshold), xytext=(3, 3),
            textcoords="offset points", fontsize=8, color=style.RED,
        )  # fmt: skip
        for column in ("dscr_p5", "dscr_p50", "dscr_p95"):
            end = float(fan[column].iloc[-1])
            ax.annotate(
                f"P{column.removeprefix('dscr_p')} {end:.2f}x", (months[-1], end), xytext=(4, -3),
                textcoords="offset points", fontsize=8, color=style.INK,
            )  # fmt: skip
        ax.set_xlim(0, max(months[-1], 1))
        ax.set_xlabel("Months from today")
        ax.set_ylabel("Aggregate DSCR")
        ax.yaxis.set_major_formatter(cs.formatter("ratio"))
        ax.legend(loc="lower left", fontsize=8, frameon=False)
        return cs.save(fig, path)


def distribution_chart(
    levels: np.ndarray, values: np.ndarray, path: Path, threshold: float
) -> Path:
    """Monte Carlo: the distribution of aggregate DSCR at the horizon (histogram) with P5, P50
    and P95 marked."""
    import numpy as np

    finite = values[np.isfinite(values)]
    with cs.rc():
        fig = cs.figure(7.5, 3.8)
        ax = fig.add_subplot()
        _title(fig, f"Monte Carlo: portfolio DSCR over {len(values):,} draws")
        ax.hist(finite, bins=60, color=style.NAVY, alpha=0.85)
        for level, value in zip(levels, np.percentile(finite, levels), strict=True):
            ax.axvline(value, color=style.AMBER, linestyle="-", linewidth=1.2)
            ax.annotate(
                f"P{level:g} {value:.2f}x", (value, 1.0), xycoords=("data", "axes fraction"),
                xytext=(3, -10), textcoords="offset points", fontsize=8, color=style.INK,
            )  # fmt: skip
        ax.axvline(threshold, color=style.RED, linestyle="--", linewidth=1.0)
        ax.set_xlabel("Aggregate DSCR")
        ax.set_ylabel("Draws")
        ax.xaxis.set_major_formatter(cs.formatter("ratio"))
        return cs.save(fig, path)


def breach_chart(table: pd.DataFrame, path: Path, threshold: float) -> Path:
    """Monte Carlo: each property's probability of DSCR below the threshold, highest first."""
    rows = table.dropna(subset=["breach_probability"])
    rows = rows.sort_values(["breach_probability", "property_id"], ascending=[False, True])
    rows = rows.head(MAX_BREACH_BARS).iloc[::-1]
    labels = [cs.shorten(str(n), 32) for n in rows["name"]]
    with cs.rc():
        fig = cs.figure(7.5, 1.2 + 0.22 * max(len(rows), 1))
        ax = fig.add_subplot()
        _title(fig, f"Probability of DSCR below {threshold:.2f}x")
        if rows.empty:
            return cs.save_empty(fig, ax, "No property with debt.", path)
        ax.barh(labels, rows["breach_probability"], color=style.RED)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(cs.formatter("percent"))
        ax.grid(axis="y", visible=False)
        return cs.save(fig, path)


def _title(fig: Figure, text: str) -> None:
    """A bold title at the top left; constrained layout keeps the axes clear of it."""
    fig.suptitle(text, x=0.01, ha="left", fontweight="bold", fontsize=12)


def _cells(values: np.ndarray) -> list[tuple[tuple[int, int], float]]:
    import numpy as np

    return [((i, j), float(values[i, j])) for i, j in np.ndindex(values.shape)]
