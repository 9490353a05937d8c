"""Charts for reports: DSCR by property, trends, scenarios, peer comparison, distributions.

Drawn with matplotlib's object API (``matplotlib.figure.Figure``), so no pyplot state, no GUI
backend and nothing to close; rendering goes through Agg for PNG and the SVG backend for SVG. One
style for every chart: the rc settings below, the palette and number formats of ``style``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from meta_agent.errors import ToolError
from meta_agent.reporting import style
from meta_agent.reporting.files import atomic_path

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

DPI = 150
# More bars than this cannot be read on a page; larger portfolios show their lowest DSCRs.
MAX_DSCR_BARS = 60
MAX_TREND_LINES = 10
MAX_COMPARISON_ROWS = 12
FONT_FAMILY = "DejaVu Sans"
# DejaVu Sans ships with matplotlib, so no font lookup falls back (or warns) on a bare server.
RC: dict[str, Any] = {
    "font.family": FONT_FAMILY,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.labelcolor": style.INK,
    "axes.edgecolor": style.GREY,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": style.LIGHT_GREY,
    "grid.linewidth": 0.8,
    "xtick.color": style.INK,
    "ytick.color": style.INK,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",
    "svg.hashsalt": "meta-agent",
}


def dscr_chart(data: pd.DataFrame, path: Path, threshold: float = 1.25) -> Path:
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

    labels = [_shorten(str(v), 34) for v in shown[label_column]]
    with _rc():
        fig = _figure(8.0, max(2.6, 0.2 * len(shown) + 1.4), layout=None)
        _place(fig, left=_text_width(labels, 8) + 0.2, right=0.2, top=0.62, bottom=0.55)
        ax = fig.add_subplot()
        _title(fig, "DSCR by property")
        ax.set_title(subtitle, fontsize=8.5, fontweight="normal", color=style.MUTED)
        if shown.empty:
            return _save_empty(fig, ax, "No property in this selection has debt.", path)
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
        ax.xaxis.set_major_formatter(_formatter("ratio"))
        ax.set_xlabel("DSCR (T12 NOI / annual debt service)")
        ax.legend(
            handles=_legend_patches(
                [
                    (style.RED, f"At risk (below {threshold:.2f}x)"),
                    (style.NAVY, f"{threshold:.2f}x or above"),
                ]
            ),
            loc="upper right",
        )
        return _save(fig, path)


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
        panels.setdefault(_unit_group(column), []).append(column)

    height = 1.0 + 2.4 * len(panels)
    with _rc():
        fig = _figure(8.0, height, layout=None)
        _place(
            fig,
            left=1.0,
            right=0.9,
            top=0.62,
            bottom=0.45,
            hspace=0.45 / ((height - 1.2) / len(panels) - 0.45),
        )
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        _title(fig, title or " and ".join(style.label(c) for c in value_columns) + " by month")
        for ax, (unit, columns) in zip(axes, panels.items(), strict=True):
            _draw_trend_panel(ax, frame, columns, unit, period_column, series_key)
        _date_axis(axes[-1])
        return _save(fig, path)


def scenario_chart(summary: pd.DataFrame, path: Path, threshold: float = 1.25) -> Path:
    """At-risk count and average / minimum DSCR per scenario, side by side."""
    import numpy as np

    table = _scenario_table(summary, threshold)
    names = [_shorten(str(s), 18) for s in table["scenario"]]
    positions = np.arange(len(table))
    with _rc():
        fig = _figure(9.0, 3.8)
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
        left.yaxis.set_major_formatter(_formatter("integer"))
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
        right.yaxis.set_major_formatter(_formatter("ratio"))
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
        return _save(fig, path)


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
        ("Peer average" if role == "peer_average" else _shorten(str(value), 26))
        for role, value in zip(roles, frame[label_column], strict=True)
    ]
    colors = [{"target": style.AMBER, "peer_average": style.GREY}.get(r, style.NAVY) for r in roles]
    target = next((lab for lab, r in zip(labels, roles, strict=True) if r == "target"), labels[0])
    columns = min(3, len(chosen))
    rows = math.ceil(len(chosen) / columns)
    positions = np.arange(len(frame))[::-1]
    with _rc():
        fig = _figure(3.3 * columns + 1.2, 0.9 + rows * (0.26 * len(frame) + 0.9))
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
            ax.xaxis.set_major_formatter(_formatter(_unit_group(metric)))
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
        return _save(fig, path)


def distribution_chart(
    data: pd.DataFrame, column: str, path: Path, threshold: float | None = None
) -> Path:
    """A histogram of one metric across the portfolio, with the median and any threshold drawn."""
    import numpy as np

    _require(data, [column], "a distribution chart")
    values = data[column].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    missing = len(data) - len(values)
    unit = _unit_group(column)
    with _rc():
        fig = _figure(8.0, 3.8, layout=None)
        _place(fig, left=0.75, right=0.25, top=0.62, bottom=0.85)
        ax = fig.add_subplot()
        _title(fig, f"Distribution of {style.label(column)}")
        if values.size == 0:
            return _save_empty(fig, ax, f"No values of {style.label(column)} to show.", path)
        median = float(np.median(values))
        subtitle = f"{values.size:,} properties; median {style.format_value(column, median)}"
        if missing:
            reason = "without debt" if "dscr" in column else "without a value"
            subtitle += f"; {missing:,} {reason} not shown"
        # A long right tail (a 15x DSCR on a tiny loan) would leave one bar and empty space.
        q1, q3 = np.percentile(values, [25, 75])
        cap = max(q3 + 3 * (q3 - q1), threshold * 1.2 if threshold is not None else -np.inf)
        clipped = int((values > cap).sum()) if cap < values.max() else 0
        shown = np.minimum(values, cap) if clipped else values
        if clipped:
            subtitle += f"; {clipped:,} above {style.format_value(column, cap)} in the last bar"
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
        ax.xaxis.set_major_formatter(_formatter(unit))
        ax.yaxis.set_major_formatter(_formatter("integer"))
        ax.set_xlabel(_axis_label(column))
        ax.set_ylabel("Properties")
        ax.grid(axis="x", visible=False)
        fig.legend(loc="lower right", bbox_to_anchor=(1 - 0.25 / 8.0, 0.02), ncols=2)
        return _save(fig, path)


# --- helpers -----------------------------------------------------------------------------------


def _rc() -> Any:
    import matplotlib

    return matplotlib.rc_context(RC)  # type: ignore[arg-type]


def _figure(
    width: float, height: float, layout: Literal["constrained"] | None = "constrained"
) -> Figure:
    """A figure; charts drawn often use layout=None and place their axes with ``_place``."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, min(height, 30.0)), layout=layout)


def _place(
    fig: Figure, left: float, right: float, top: float, bottom: float, hspace: float | None = None
) -> None:
    """Margins in inches. Constrained layout would find them too, at the cost of a second draw."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        hspace=hspace,
    )


def _title(fig: Figure, text: str) -> None:
    height = fig.get_size_inches()[1]
    fig.suptitle(
        text,
        x=0.1 / fig.get_size_inches()[0],
        y=1 - 0.12 / height,
        ha="left",
        va="top",
        fontweight="bold",
        fontsize=12,
    )


def _text_width(texts: Sequence[str], size: float) -> float:
    """The widest of ``texts`` in inches, in the chart font at ``size`` points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    measure, font = TextToPath(), FontProperties(family=FONT_FAMILY, size=size)
    widths = [measure.get_text_width_height_descent(t, font, ismath=False)[0] for t in texts]
    return max(widths, default=0.0) / 72


def _save(fig: Figure, path: Path) -> Path:
    fmt = "svg" if path.suffix.lower() == ".svg" else "png"
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with atomic_path(path) as temporary:
        fig.savefig(temporary, format=fmt, dpi=DPI, metadata=metadata)
    fig.clear()
    logger.info("chart written", extra={"path": str(path)})
    return path


def _save_empty(fig: Figure, ax: Axes, message: str, path: Path) -> Path:
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        color=style.MUTED,
        fontsize=10,
        transform=ax.transAxes,
    )
    return _save(fig, path)


def _require(data: Any, columns: Sequence[str], what: str) -> None:
    if not hasattr(data, "columns"):
        raise TypeError(f"{what} needs a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ToolError(
            f"Cannot draw {what}: column(s) {missing} are missing; the table has "
            f"{list(data.columns)}."
        )


def _label_column(data: pd.DataFrame) -> str:
    for column in ("name", "property_id", "scenario"):
        if column in data.columns:
            return column
    raise ToolError("The chart needs a 'name' or 'property_id' column to label properties.")


def _unit_group(column: str) -> str:
    kind = style.column_kind(column)
    return {
        "currency_cents": "currency",
        "points": "number",
        "basis_points": "number",
        "year": "number",
        "coordinate": "number",
        "date": "number",
    }.get(kind, kind)


def _axis_label(column: str) -> str:
    unit = {"currency": " (USD)", "percent": " (%)", "ratio": " (x)"}.get(_unit_group(column), "")
    return style.label(column) + unit


def _formatter(unit: str) -> Any:
    """Tick labels in the unit's style, with just enough decimals to tell the ticks apart."""
    from matplotlib.ticker import Formatter

    def currency(value: float, digits: int) -> str:
        size, sign = abs(value), "-" if value < 0 else ""
        for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if size >= scale:
                return f"{sign}${size / scale:,.{digits}f}{suffix}"
        return f"{sign}${size:,.0f}"

    renderers: dict[str, Callable[[float, int], str]] = {
        "currency": currency,
        "percent": lambda v, d: f"{v * 100:,.{d}f}%",
        "ratio": lambda v, d: f"{v:,.{max(d, 2)}f}x",
        "integer": lambda v, d: f"{v:,.0f}",
    }
    def plain(value: float, digits: int) -> str:
        return f"{value:,.{digits}f}"

    render = renderers.get(unit, plain)

    class UnitFormatter(Formatter):
        digits = 1

        def __call__(self, x: float, pos: int | None = None) -> str:
            return render(x, self.digits)

        def format_ticks(self, values: Any) -> list[str]:
            for digits in range(0, 4):
                labels = [render(v, digits) for v in values]
                if len(set(labels)) == len(labels):
                    break
            self.digits = digits
            return labels

    return UnitFormatter()


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
    ax.yaxis.set_major_formatter(_formatter(unit))
    ax.set_ylabel({"currency": "USD per month", "percent": "Percent", "ratio": "x"}.get(unit, ""))
    ax.margins(x=0.04)
    if len(columns) > 1 or series_key is not None:
        ax.legend(loc="best")


def _date_axis(ax: Axes) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


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


def _legend_patches(items: Sequence[tuple[str, str]]) -> list[Any]:
    from matplotlib.patches import Patch

    return [Patch(color=color, label=text) for color, text in items]


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
