"""Charts for reports: DSCR by property, trends, scenarios, peer comparison, distributions.

Each function takes a table and a path and writes one chart there (PNG, or SVG for a ``.svg`` path).
The look they share (rc settings, layout, tick formats, saving) lives in ``chart_style``; colours
and number formats come from ``style``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_agent.errors import ToolError
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
from meta_agent.reporting import chart_style as cs
from meta_agent.reporting import style

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

logger = logging.getLogger(__name__)

# More bars than this cannot be read on a page; larger portfolios show their lowest DSCRs.
MAX_DSCR_BARS = 60
MAX_TREND_LINES = 10
MAX_COMPARISON_ROWS = 12


def dscr_chart(
    data: pd.DataFrame, path: Path, threshold: float = DEFAULT_AT_RISK_THRESHOLD
) -> Path:
    """Horizontal bars of DSCR per property, worst first, at-risk bars in red, threshold drawn."""
    import numpy as np

    _require(data, ["dscr"], "a DSCR chart")
    label_column = _label_column(data)
    frame = data.loc[data["dscr"].notna(), [label_column, "dscr"]]
    frame = frame.sort_values(["dscr", label_column], kind="mergesort")
    with_debt, without_debt = len(frame), len(data) - len(frame)
    at_risk = int((frame["dscr"] < threshold).sum())
    shown = frame.head(MAX_DSCR_BARS).iloc[::-1]  # the worst at the top
    subtitle = f"{at_risk:,} of {with_debt:,} properties with debt below {threshold:.2f}x"
    if with_debt > len(shown):
        subtitle += f"; the lowest {len(shown):,} shown"
    if without_debt:
        subtitle += f"; {without_debt:,} without debt not shown"

    labels = [cs.shorten(str(v), 34) for v in shown[label_column]]
    with cs.rc():
        fig = cs.figure(8.0, max(2.6, 0.2 * len(shown) + 1.4), layout=None)
        cs.place(fig, left=cs.text_width(labels, 8) + 0.2, right=0.2, top=0.62, bottom=0.55)
        ax = fig.add_subplot()
        cs.title(fig, "DSCR by property")
        ax.set_title(subtitle, fontsize=8.5, fontweight="normal", color=style.MUTED)
        if shown.empty:
            return cs.save_empty(fig, ax, "No property in this selection has debt.", path)
        values = shown["dscr"].to_numpy(dtype=float)
        # A few lightly levered assets (DSCR 10x+) would squeeze every other bar to a sliver.
        limit = max(threshold * 1.8, min(float(values.max()), max(4.0, threshold * 2.5))) * 1.08
        colors = np.where(values < threshold, style.RED, style.NAVY)
        positions = np.arange(len(shown))
        ax.barh(positions, np.minimum(values, limit), color=colors, height=0.7)
        ax.set_yticks(positions, labels)
        ax.set_xlim(0, limit * 1.1)
        ax.set_ylim(-0.6, len(shown) - 0.4)
        for y, value in zip(positions, values, strict=True):
            ax.annotate(
                style.format_ratio(value),
                (min(value, limit), y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
                color=style.INK,
            )
        ax.axvline(threshold, color=style.RED, linestyle="--", linewidth=1.1)
        ax.annotate(
            f"At-risk threshold {threshold:.2f}x",
            (threshold, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(4, -2),
            textcoords="offset points",
            color=style.RED,
            fontsize=7.5,
            va="top",
        )
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        ax.xaxis.set_major_formatter(cs.formatter("ratio"))
        ax.set_xlabel("DSCR (T12 NOI / annual debt service)")
        ax.legend(
            handles=cs.legend_patches(
                [
                    (style.RED, f"At risk (below {threshold:.2f}x)"),
                    (style.NAVY, f"{threshold:.2f}x or above"),
                ]
            ),
            loc="upper right",
        )
        return cs.save(fig, path)


def trend_chart(
    data: pd.DataFrame,
    value_columns: Sequence[str],
    path: Path,
    title: str | None = None,
    period_column: str = "period",
) -> Path:
    """Lines over the months, one panel per unit (dollars, percentages, ratios), shared time axis."""
    import pandas as pd

    if not value_columns:
        raise ToolError("A trend chart needs at least one value column, e.g. ['noi'].")
    _require(data, [period_column, *value_columns], "a trend chart")
    frame = data.copy()
    periods = frame[period_column].astype("string").str.slice(0, 10)
    frame[period_column] = pd.to_datetime(periods, format="%Y-%m-%d", errors="coerce")
    if frame[period_column].isna().any():
        bad = data.loc[frame[period_column].isna(), period_column].head(3).tolist()
        raise ToolError(f"Periods must be dates such as 2025-12-01; could not read {bad}.")
    series_key = "property_id" if "property_id" in frame.columns else None
    if series_key is not None and frame[series_key].nunique() <= 1:
        series_key = None
    if series_key is not None:
        keep = sorted(frame[series_key].unique())[:MAX_TREND_LINES]
        frame = frame[frame[series_key].isin(keep)]
    panels: dict[str, list[str]] = {}
    for column in value_columns:
        panels.setdefault(cs.unit_group(column), []).append(column)

    height = 1.0 + 2.4 * len(panels)
    with cs.rc():
        fig = cs.figure(8.0, height, layout=None)
        cs.place(
            fig,
            left=1.0,
            right=0.9,
            top=0.62,
            bottom=0.45,
            hspace=0.45 / ((height - 1.2) / len(panels) - 0.45),
        )
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        cs.title(fig, title or " and ".join(style.label(c) for c in value_columns) + " by month")
        for ax, (unit, columns) in zip(axes, panels.items(), strict=True):
            _draw_trend_panel(ax, frame, columns, unit, period_column, series_key)
        cs.date_axis(axes[-1])
        return cs.save(fig, path)


def scenario_chart(
    summary: pd.DataFrame, path: Path, threshold: float = DEFAULT_AT_RISK_THRESHOLD
) -> Path:
    """At-risk count and average / minimum DSCR per scenario, side by side."""
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    table = _scenario_table(summary, threshold)
    names = [cs.shorten(style.scenario_label(s), 24) for s in table["scenario"]]
    positions = np.arange(len(table))
    with cs.rc():
        fig = cs.figure(9.0, 3.8)
        left, right = fig.subplots(1, 2)
        fig.suptitle("Scenario comparison", x=0.01, ha="left", fontweight="bold", fontsize=12)
        counts = table["at_risk_count"].to_numpy(dtype=float)
        left.bar(
            positions,
            counts,
            color=[style.GREY if i == 0 else style.RED for i in range(len(table))],
            width=0.6,
        )
        for x, count in zip(positions, counts, strict=True):
            left.annotate(
                f"{count:,.0f}",
                (x, count),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        left.set_title(f"Properties at risk (DSCR below {threshold:.2f}x)")
        left.set_ylabel("Properties")
        left.yaxis.set_major_locator(MaxNLocator(integer=True))
        left.yaxis.set_major_formatter(cs.formatter("integer"))
        left.set_ylim(0, max(1.0, counts.max() if len(counts) else 1.0) * 1.15)
        width = 0.38
        right.bar(
            positions - width / 2,
            table["average_dscr"],
            width,
            color=style.NAVY,
            label="Average DSCR",
        )
        right.bar(
            positions + width / 2, table["min_dscr"], width, color=style.AMBER, label="Minimum DSCR"
        )
        right.axhline(
            threshold,
            color=style.RED,
            linestyle="--",
            linewidth=1.1,
            label=f"Threshold {threshold:.2f}x",
        )
        right.set_title("DSCR per scenario")
        right.set_ylabel("DSCR")
        right.yaxis.set_major_formatter(cs.formatter("ratio"))
        right.set_ylim(0, max(threshold, float(table["average_dscr"].max())) * 1.3)
        right.legend(loc="upper right", ncols=3)
        for ax in (left, right):
            ax.set_xticks(
                positions,
                names,
                rotation=20 if len(table) > 4 else 0,
                ha="right" if len(table) > 4 else "center",
            )
            ax.grid(axis="x", visible=False)
        return cs.save(fig, path)


def comparison_chart(data: pd.DataFrame, path: Path, metrics: Sequence[str] | None = None) -> Path:
    """A target against its peers: one small panel per metric, the target highlighted."""
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    default = ["noi", "dscr", "cap_rate", "occupancy", "ltv", "debt_yield"]
    chosen = list(metrics) if metrics else [m for m in default if m in data.columns]
    if not chosen:
        raise ToolError(
            f"A comparison chart needs one of the columns {default}; got {list(data.columns)}."
        )
    _require(data, chosen, "a comparison chart")
    label_column = _label_column(data)
    frame = data.head(MAX_COMPARISON_ROWS)
    roles = (
        frame["role"].astype(str).tolist()
        if "role" in frame.columns
        else ["target"] + ["peer"] * (len(frame) - 1)
    )
    labels = [
        ("Peer average" if role == "peer_average" else cs.shorten(_text(label_column, value), 26))
        for role, value in zip(roles, frame[label_column], strict=True)
    ]
    colors = [{"target": style.AMBER, "peer_average": style.GREY}.get(r, style.NAVY) for r in roles]
    target = next((lab for lab, r in zip(labels, roles, strict=True) if r == "target"), labels[0])
    columns = min(3, len(chosen))
    rows = math.ceil(len(chosen) / columns)
    positions = np.arange(len(frame))[::-1]
    with cs.rc():
        fig = cs.figure(3.3 * columns + 1.2, 0.9 + rows * (0.26 * len(frame) + 0.9))
        axes = fig.subplots(rows, columns, squeeze=False, sharey=True)
        fig.suptitle(
            f"{target} against its peers", x=0.01, ha="left", fontweight="bold", fontsize=12
        )
        for index, ax in enumerate(axes.flat):
            if index >= len(chosen):
                ax.set_visible(False)
                continue
            metric = chosen[index]
            values = frame[metric].to_numpy(dtype=float)
            ax.barh(positions, np.nan_to_num(values), color=colors, height=0.68)
            ax.set_title(style.label(metric))
            ax.set_yticks(positions, labels)
            ax.xaxis.set_major_formatter(cs.formatter(cs.unit_group(metric)))
            ax.grid(axis="y", visible=False)
            ax.grid(axis="x", visible=True)
            finite = values[np.isfinite(values)]
            span = float(np.abs(finite).max()) if finite.size else 1.0
            ax.set_xlim(
                min(0.0, float(finite.min()) * 1.3 if finite.size else 0.0), span * 1.35 or 1.0
            )
            for y, value in zip(positions, values, strict=True):
                ax.annotate(
                    style.format_value(metric, value),
                    (np.nan_to_num(value), y),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=6.5,
                )
            ax.tick_params(axis="x", labelsize=7)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        return cs.save(fig, path)


def distribution_chart(
    data: pd.DataFrame, column: str, path: Path, threshold: float | None = None
) -> Path:
    """A histogram of one metric across the portfolio, with the median and any threshold drawn."""
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    _require(data, [column], "a distribution chart")
    values = data[column].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    missing = len(data) - len(values)
    unit = cs.unit_group(column)
    with cs.rc():
        fig = cs.figure(8.0, 3.8, layout=None)
        cs.place(fig, left=0.75, right=0.25, top=0.62, bottom=0.85)
        ax = fig.add_subplot()
        cs.title(fig, f"Distribution of {style.label(column)}")
        if values.size == 0:
            return cs.save_empty(fig, ax, f"No values of {style.label(column)} to show.", path)
        median = float(np.median(values))
        subtitle = f"{values.size:,} properties; median {style.format_value(column, median)}"
        if missing:
            reason = "without debt" if "dscr" in column else "without a value"
            subtitle += f"; {missing:,} {reason} not shown"
        # A long right tail (a 15x DSCR on a tiny loan) would leave one bar and empty space.
        # Far outliers (beyond Q3 + 3 IQR) are counted in the last bar, labelled in the subtitle.
        q1, q3 = np.percentile(values, [25, 75])
        fence = max(q3 + 3 * (q3 - q1), threshold * 1.2 if threshold is not None else -np.inf)
        cap = float(values[values <= fence].max()) if (values <= fence).any() else fence
        clipped = int((values > cap).sum())
        shown = np.minimum(values, cap) if clipped else values
        if clipped:
            subtitle += (
                f"; {clipped:,} above {style.format_value(column, cap)} counted in the last bar"
            )
        ax.set_title(subtitle, fontsize=8.5, fontweight="normal", color=style.MUTED)
        edges = _bin_edges(shown, threshold)
        counts, edges, patches = ax.hist(
            shown, bins=edges, color=style.NAVY, edgecolor="white", linewidth=0.6
        )
        if threshold is not None:
            for patch, right in zip(list(patches), edges[1:], strict=True):  # type: ignore[arg-type]
                if right <= threshold + 1e-12:
                    patch.set_facecolor(style.RED)
            ax.axvline(
                threshold,
                color=style.RED,
                linestyle="--",
                linewidth=1.1,
                label=f"Threshold {style.format_value(column, threshold)}",
            )
        ax.axvline(
            median,
            color=style.AMBER,
            linestyle=":",
            linewidth=1.4,
            label=f"Median {style.format_value(column, median)}",
        )
        ax.xaxis.set_major_formatter(cs.formatter(unit))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(cs.formatter("integer"))
        ax.set_xlabel(cs.axis_label(column))
        ax.set_ylabel("Properties")
        ax.grid(axis="x", visible=False)
        fig.legend(loc="lower right", bbox_to_anchor=(1 - 0.25 / 8.0, 0.02), ncols=2)
        return cs.save(fig, path)


# --- helpers -----------------------------------------------------------------------------------


def _require(data: Any, columns: Sequence[str], what: str) -> None:
    if not hasattr(data, "columns"):
        raise TypeError(f"{what} needs a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ToolError(
            f"Cannot draw {what}: column(s) {missing} are missing; the table has "
            f"{list(data.columns)}."
        )


def _text(column: str, value: object) -> str:
    """A bar's label: scenarios by their readable name, everything else as it is."""
    return style.scenario_label(str(value)) if column == "scenario" else str(value)


def _label_column(data: pd.DataFrame) -> str:
    for column in ("name", "property_id", "scenario"):
        if column in data.columns:
            return column
    raise ToolError("The chart needs a 'name' or 'property_id' column to label properties.")


def _draw_trend_panel(
    ax: Axes,
    frame: pd.DataFrame,
    columns: list[str],
    unit: str,
    period_column: str,
    series_key: str | None,
) -> None:
    groups = [(None, frame)] if series_key is None else list(frame.groupby(series_key, sort=True))
    color_index = 0
    for key, group in groups:
        group = group.sort_values(period_column)
        name = (
            str(group["name"].iloc[0])
            if key is not None and "name" in group.columns
            else str(key)
            if key is not None
            else None
        )
        for column in columns:
            color = style.SERIES_COLORS[color_index % len(style.SERIES_COLORS)]
            color_index += 1
            label = style.label(column) if name is None else f"{name}: {style.label(column)}"
            ax.plot(
                group[period_column],
                group[column],
                color=color,
                linewidth=1.8,
                marker="o",
                markersize=2.5,
                label=label,
            )
            last = group.dropna(subset=[column]).tail(1)
            if not last.empty:
                ax.annotate(
                    style.format_value(column, last[column].iloc[0]),
                    (last[period_column].iloc[0], last[column].iloc[0]),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7,
                    color=color,
                )
    ax.set_title(" and ".join(style.label(c) for c in columns))
    ax.yaxis.set_major_formatter(cs.formatter(unit))
    ax.set_ylabel({"currency": "USD per month", "percent": "Percent", "ratio": "x"}.get(unit, ""))
    ax.margins(x=0.04)
    if len(columns) > 1 or series_key is not None:
        ax.legend(loc="best")


def _scenario_table(summary: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The per-scenario summary; a long scenario result (one row per property) is summarised here."""
    _require(summary, ["scenario"], "a scenario chart")
    if {"at_risk_count", "average_dscr", "min_dscr"} <= set(summary.columns):
        return summary
    _require(summary, ["dscr"], "a scenario chart")
    at_risk = (
        summary["at_risk"].astype(bool)
        if "at_risk" in summary.columns
        else summary["dscr"] < threshold
    )
    frame = summary.assign(_at_risk=at_risk)
    grouped = frame.groupby("scenario", sort=False)
    return grouped.agg(
        at_risk_count=("_at_risk", "sum"),
        average_dscr=("dscr", "mean"),
        min_dscr=("dscr", "min"),
    ).reset_index()


def _bin_edges(values: Any, threshold: float | None) -> Any:
    """Histogram edges of a readable width, with the threshold (if any) falling on an edge."""
    import numpy as np

    low, high = float(values.min()), float(values.max())
    if high <= low:
        half = max(abs(low) * 0.05, 1e-9)
        return np.array([low - half, low + half])
    count = min(30, max(8, int(np.sqrt(values.size))))
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    width = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    anchor = threshold if threshold is not None else low
    start = anchor + np.floor((low - anchor) / width) * width
    stop = anchor + np.ceil((high - anchor) / width) * width
    steps = max(1, round((stop - start) / width))
    return start + np.arange(steps + 1) * width
