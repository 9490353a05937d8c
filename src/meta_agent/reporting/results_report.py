"""A PDF of a run's results: key figures, charts, tables and the definitions of what they show.

This is the general report behind ``export_to_pdf`` (the executive report has its own layout in
``executive``): scalar figures become tiles, lists become lines, nested figures and tables become
tables, and a methodology note defines every DOMAIN.md metric that appears.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_agent.reporting import pdf, style
from meta_agent.reporting.definitions import definitions

if TYPE_CHECKING:
    import pandas as pd

# A PDF is read, not searched: longer tables are cut here and noted; the CSV keeps every row.
MAX_TABLE_ROWS = 1_000
MAX_TILES = 9


def write_results_pdf(
    path: Path,
    title: str,
    tables: Mapping[str, pd.DataFrame],
    key_figures: Mapping[str, Any],
    charts: Sequence[Path] = (),
    request: str | None = None,
) -> Path:
    """Write the report: tiles and figure tables, then the charts, the tables and the methodology."""
    tiles, blocks = figure_blocks(key_figures, MAX_TILES)
    blocks += [pdf.ChartBlock(chart) for chart in charts]
    for section, table in tables.items():
        blocks += [
            pdf.Heading(str(section)),
            pdf.TableBlock(
                table, max_rows=MAX_TABLE_ROWS, more_note="export the table to CSV for every row"
            ),
        ]
    names = [str(c) for table in tables.values() for c in table.columns]
    names += [part for key, _ in style.flatten_figures(key_figures) for part in key]
    threshold = key_figures.get("threshold")
    notes = definitions(names, threshold if isinstance(threshold, (int, float)) else None)
    if notes:
        notes.append("Figures are rounded for display; CSV exports keep full precision.")
        blocks += [pdf.Heading("Methodology and definitions"), pdf.Bullets(notes)]
    return pdf.write_pdf(
        path,
        title=title,
        request=request,
        as_of=as_of(key_figures, list(tables.values())),
        key_figures=tiles,
        blocks=blocks,
    )


def as_of(figures: Mapping[str, Any], tables: Sequence[pd.DataFrame]) -> str | None:
    """The data's month: a figure named ``as_of``, else the latest ``latest_period`` in a table."""
    candidates = [figures.get("as_of")] + [
        table["latest_period"].dropna().astype(str).max()
        for table in tables
        if "latest_period" in table.columns and table["latest_period"].notna().any()
    ]
    found = [str(c) for c in candidates if c is not None and not style.is_missing(c)]
    if not found:
        return None
    latest = max(found)
    try:
        return style.format_month(latest)
    except ValueError:
        return latest


def figure_blocks(
    figures: Mapping[str, Any], max_tiles: int = 9
) -> tuple[list[pdf.KeyFigure], list[pdf.Block]]:
    """Lay out a dict of figures: scalars as tiles, lists as lines, groups and rows as tables."""
    import pandas as pd

    tiles: list[pdf.KeyFigure] = []
    lines: list[str] = []
    tables: list[pdf.Block] = []
    for key, value in figures.items():
        if key in ("as_of", "request", "files"):
            continue
        if isinstance(value, Mapping):
            tables += [pdf.Heading(style.label(key), level=2), _group_table(key, value)]
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            tables += [pdf.Heading(style.label(key), level=2), pdf.TableBlock(pd.DataFrame(value))]
        elif hasattr(value, "columns"):
            tables += [pdf.Heading(style.label(key), level=2), pdf.TableBlock(value)]
        else:
            text = style.format_figure((key,), value)
            if isinstance(value, (list, tuple, set)) or len(tiles) >= max_tiles or len(text) > 24:
                lines.append(f"{style.figure_label((key,))}: {text}")
            else:
                tiles.append(pdf.KeyFigure(style.figure_label((key,)), text))
    return tiles, ([pdf.Bullets(lines)] if lines else []) + tables


def _group_table(key: str, group: Mapping[str, Any]) -> pdf.TableBlock:
    """A nested group of figures as a table: one row per member, one column per figure."""
    import pandas as pd

    if all(isinstance(v, Mapping) for v in group.values()):
        columns: list[str] = []
        for member in group.values():
            columns += [str(c) for c in member if str(c) not in columns]
        rows = [
            {
                "item": style.label(str(name)),
                **{
                    style.label(c): style.format_figure((key, str(name), c), member.get(c))
                    for c in columns
                },
            }
            for name, member in group.items()
        ]
        heads = tuple(style.label(c) for c in columns)
    else:
        rows = [
            {"item": style.figure_label(path), "value": style.format_figure((key, *path), value)}
            for path, value in style.flatten_figures(group)
        ]
        heads = ("value",)
    return pdf.TableBlock(
        pd.DataFrame(rows), labels={"item": "", "value": "Value"}, right_align=heads
    )
