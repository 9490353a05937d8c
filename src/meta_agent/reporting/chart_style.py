"""The look shared by every chart: rc settings, figure plumbing, tick formats and saving.

Figures are built with matplotlib's object API (``matplotlib.figure.Figure``): no pyplot state, no
GUI backend, nothing to close. PNG is rendered by Agg, SVG by the SVG backend, and both are written
atomically into the results folder.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from meta_agent.reporting import style
from meta_agent.reporting.files import atomic_path

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

DPI = 150
# zlib level 3 writes PNGs a few percent larger than the default level in two thirds of the time.
PNG_COMPRESS_LEVEL = 3
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


def rc() -> Any:
    """The chart rc settings, as a context manager around drawing and saving."""
    import matplotlib

    return matplotlib.rc_context(RC)  # type: ignore[arg-type]


def figure(
    width: float, height: float, layout: Literal["constrained"] | None = "constrained"
) -> Figure:
    """A figure; charts drawn often use layout=None and place their axes with ``place``."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, min(height, 30.0)), layout=layout)


def place(
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


def title(fig: Figure, text: str) -> None:
    """The chart title, bold and left-aligned at the top of the figure."""
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


def text_width(texts: Sequence[str], size: float) -> float:
    """The widest of ``texts`` in inches, in the chart font at ``size`` points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    measure, font = TextToPath(), FontProperties(family=FONT_FAMILY, size=size)
    widths = [measure.get_text_width_height_descent(t, font, ismath=False)[0] for t in texts]
    return max(widths, default=0.0) / 72


def save(fig: Figure, path: Path) -> Path:
    """Write the figure atomically: SVG for a ``.svg`` path, PNG otherwise."""
    options: dict[str, Any] = {
        "format": "png",
        "metadata": {"Software": None},
        "pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL},
    }
    if path.suffix.lower() == ".svg":
        options = {"format": "svg", "metadata": {"Date": None}}  # no date: same chart, same bytes
    with atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=DPI, **options)
    fig.clear()
    logger.info("chart written", extra={"path": str(path)})
    return path


def save_empty(fig: Figure, ax: Axes, message: str, path: Path) -> Path:
    """Save a figure that says why there is nothing to draw."""
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
    return save(fig, path)


def unit_group(column: str) -> str:
    """How an axis of this column is labelled: currency, percent, ratio, integer or number."""
    kind = style.column_kind(column)
    return {
        "currency_cents": "currency",
        "points": "number",
        "basis_points": "number",
        "year": "number",
        "coordinate": "number",
        "date": "number",
    }.get(kind, kind)


def axis_label(column: str) -> str:
    """An axis label with its unit: ``Cap rate (%)``."""
    unit = {"currency": " (USD)", "percent": " (%)", "ratio": " (x)"}.get(unit_group(column), "")
    return style.label(column) + unit


def formatter(unit: str) -> Any:
    """Tick labels in the unit's style, exact at every tick: the fewest decimals (up to 3) that
    state each tick's value without rounding it, so $2.5M never reads "$2M"."""
    from matplotlib.ticker import Formatter

    def scaled(value: float) -> tuple[float, str, str]:
        """(number shown, prefix, suffix) for a value in this unit."""
        if unit == "currency":
            size, sign = abs(value), "-" if value < 0 else ""
            for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
                if size >= scale:
                    return size / scale, f"{sign}$", suffix
            return size, f"{sign}$", ""
        if unit == "percent":
            return value * 100, "", "%"
        if unit == "ratio":
            return value, "", "x"
        return value, "", ""

    def render(value: float, digits: int) -> str:
        number, prefix, suffix = scaled(value)
        if unit == "currency" and number == 0:
            return "$0"
        if unit == "ratio":
            digits = max(digits, 2)
        return f"{prefix}{number:,.{digits}f}{suffix}"

    def exact(value: float, digits: int) -> bool:
        number = scaled(value)[0]
        return abs(round(number, digits) - number) <= 1e-9 * max(1.0, abs(number))

    class UnitFormatter(Formatter):
        digits = 1

        def __call__(self, x: float, pos: int | None = None) -> str:
            return render(x, self.digits)

        def format_ticks(self, values: Any) -> list[str]:
            finite = [float(v) for v in values]
            digits = next(
                (d for d in range(0, 4) if all(exact(v, d) for v in finite)),
                3,
            )
            if unit == "integer":
                digits = 0
            self.digits = digits
            return [render(v, digits) for v in finite]

    return UnitFormatter()


def date_axis(ax: Axes) -> None:
    """Month ticks that stay readable from one year to ten."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def legend_patches(items: Sequence[tuple[str, str]]) -> list[Any]:
    """Legend entries for coloured bars: (colour, text) pairs."""
    from matplotlib.patches import Patch

    return [Patch(color=color, label=text) for color, text in items]


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"
