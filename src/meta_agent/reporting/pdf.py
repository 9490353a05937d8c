"""PDF reports laid out with ReportLab: title block, key-figure tiles, tables, charts, page numbers.

A report is a list of blocks (headings, text, bullet lists, tables, charts, page breaks) after a
title block and a row of key-figure tiles. Tables break across pages with their header repeated;
charts are scaled to the page; every page carries "Page X of Y". The text uses DejaVu Sans (shipped
with matplotlib), the charts' font, embedded so any viewer shows the same thing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from xml.sax.saxutils import escape

from meta_agent.reporting import style
from meta_agent.reporting.files import atomic_path

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

MARGIN_INCHES = 0.6
TABLE_FONT_SIZES = (8.0, 7.5, 7.0, 6.5, 6.0)
MAX_TEXT_COLUMN_POINTS = 150.0
WIDTH_SAMPLE_ROWS = 300
FONT, BOLD = "MetaAgentSans", "MetaAgentSans-Bold"


@dataclass(frozen=True)
class KeyFigure:
    """A tile: a label, the figure, and an optional line of context (a change, a comparison)."""

    label: str
    value: str
    detail: str = ""
    tone: Literal["neutral", "good", "bad"] = "neutral"


@dataclass(frozen=True)
class Heading:
    """A section heading (level 1) or sub-heading (level 2)."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Text:
    """A paragraph of body text or a muted note."""

    text: str
    kind: Literal["body", "note"] = "body"


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: Sequence[str]


@dataclass(frozen=True)
class TableBlock:
    """A table: values formatted by column name; rows past ``max_rows`` summarised in a note."""

    frame: pd.DataFrame
    labels: Mapping[str, str] = field(default_factory=dict)
    max_rows: int | None = None
    note: str | None = None
    more_note: str = "the full table is in the accompanying files"
    right_align: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChartBlock:
    """A chart image scaled to the page width (and to a share of its height)."""

    path: Path
    caption: str | None = None
    max_height_fraction: float = 0.62


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


Block = Heading | Text | Bullets | TableBlock | ChartBlock | PageBreak


def write_pdf(
    path: Path,
    *,
    title: str,
    blocks: Sequence[Block],
    subtitle: str | None = None,
    request: str | None = None,
    as_of: str | None = None,
    key_figures: Sequence[KeyFigure] = (),
    generated_at: dt.datetime | None = None,
) -> Path:
    """Lay out and write the report atomically; landscape when a table would not fit portrait."""
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.lib.units import inch
    from reportlab.platypus import KeepTogether, SimpleDocTemplate

    _register_fonts()
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    portrait_width = letter[0] - 2 * MARGIN_INCHES * inch
    wide = any(
        isinstance(b, TableBlock) and _natural_width(b, TABLE_FONT_SIZES[-1]) > portrait_width
        for b in blocks
    )
    pagesize = landscape(letter) if wide else letter
    styles = _styles()
    footer = f"{title} · generated {generated_at:%Y-%m-%d %H:%M} UTC"
    with atomic_path(path) as temporary:
        doc = SimpleDocTemplate(
            str(temporary),
            pagesize=pagesize,
            title=title,
            author="Meta-Agent",
            subject=request or title,
            creator="Meta-Agent",
            leftMargin=MARGIN_INCHES * inch,
            rightMargin=MARGIN_INCHES * inch,
            topMargin=MARGIN_INCHES * inch,
            bottomMargin=(MARGIN_INCHES + 0.15) * inch,
        )
        story: list[Any] = _title_block(
            title, subtitle, request, as_of, generated_at, styles, doc.width
        )
        if key_figures:
            story += [_tiles(key_figures, styles, doc.width), _spacer(10)]
        pending: list[Any] = []  # a heading waits to be kept on the page of what follows it
        for block in blocks:
            flowables = _render(block, styles, doc.width, doc.height)
            if isinstance(block, Heading):
                pending += flowables
            elif pending and flowables:
                story += [KeepTogether([*pending, flowables[0]]), *flowables[1:]]
                pending = []
            else:
                story += flowables
        story += pending
        with _plain_image_streams():
            doc.build(story, canvasmaker=_numbered_canvas(footer))
    logger.info("pdf written", extra={"path": str(path)})
    return path


# --- layout ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _plain_image_streams() -> Iterator[None]:
    """Embed images as binary zlib streams, not ASCII85 text: a third smaller, twice as fast."""
    from reportlab import rl_config

    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    ink, muted, navy = (colors.HexColor(c) for c in (style.INK, style.MUTED, style.NAVY))
    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=9.5, leading=13.5, textColor=ink, spaceAfter=6
    )
    return {
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=BOLD,
            fontSize=20,
            leading=24,
            textColor=navy,
            spaceAfter=4,
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=11.5, leading=15, textColor=muted, spaceAfter=8
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=BOLD,
            fontSize=13.5,
            leading=17,
            textColor=navy,
            spaceBefore=10,
            spaceAfter=6,
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=BOLD,
            fontSize=11,
            leading=14,
            textColor=ink,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "body": base,
        "bullet": ParagraphStyle(
            "bullet", parent=base, leftIndent=14, bulletIndent=3, bulletFontSize=9, spaceAfter=4
        ),
        "note": ParagraphStyle("note", parent=base, fontSize=8, leading=10.5, textColor=muted),
        "meta": ParagraphStyle(
            "meta", parent=base, fontSize=8.5, leading=11, textColor=muted, spaceAfter=0
        ),
        "request": ParagraphStyle("request", parent=base, fontSize=10, leading=13, spaceAfter=0),
        "tile_label": ParagraphStyle(
            "tile_label", parent=base, fontSize=7.5, leading=9.5, textColor=muted, spaceAfter=2
        ),
        "tile_value": ParagraphStyle(
            "tile_value",
            parent=base,
            fontName=BOLD,
            fontSize=15,
            leading=18,
            textColor=navy,
            spaceAfter=1,
        ),
        "tile_detail": ParagraphStyle(
            "tile_detail", parent=base, fontSize=7.5, leading=9.5, spaceAfter=0
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9, spaceAfter=0),
        "caption": ParagraphStyle(
            "caption", parent=base, fontSize=8, leading=10, textColor=muted, spaceBefore=2
        ),
    }


def _title_block(
    title: str,
    subtitle: str | None,
    request: str | None,
    as_of: str | None,
    generated_at: dt.datetime,
    styles: Mapping[str, Any],
    width: float,
) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.platypus import HRFlowable, Paragraph, Table, TableStyle

    story: list[Any] = [Paragraph(escape(title), styles["title"])]
    if subtitle:
        story.append(Paragraph(escape(subtitle), styles["subtitle"]))
    meta = [f"Generated {generated_at:%Y-%m-%d %H:%M} UTC"]
    if as_of:
        meta.insert(0, f"Data as of {escape(as_of)}")
    if request:
        box = Table(
            [
                [
                    Paragraph("REQUEST", styles["tile_label"]),
                    Paragraph(escape(request), styles["request"]),
                ]
            ],
            colWidths=[0.9 * 72, width - 0.9 * 72],
        )
        box.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f3f4f6")),
                    ("LINEBEFORE", (0, 0), (0, -1), 3, colors.HexColor(style.NAVY)),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 7),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ]
            )
        )
        story.append(box)
        story.append(_spacer(4))
    story.append(Paragraph(" · ".join(meta), styles["meta"]))
    story.append(
        HRFlowable(
            width="100%",
            thickness=0.8,
            color=colors.HexColor(style.LIGHT_GREY),
            spaceBefore=6,
            spaceAfter=10,
        )
    )
    return story


def _tiles(figures: Sequence[KeyFigure], styles: Mapping[str, Any], width: float) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    per_row = 3 if len(figures) % 3 == 0 or len(figures) > 4 else max(1, len(figures))
    tone_color = {"good": style.GREEN, "bad": style.RED, "neutral": style.MUTED}
    cells = [
        [
            Paragraph(escape(f.label.upper()), styles["tile_label"]),
            Paragraph(escape(f.value), styles["tile_value"]),
            Paragraph(
                f'<font color="{tone_color[f.tone]}">{escape(f.detail)}</font>',
                styles["tile_detail"],
            ),
        ]
        for f in figures
    ]
    rows: list[list[Any]] = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    table = Table(rows, colWidths=[width / per_row] * per_row)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f3f4f6")),
                ("GRID", (0, 0), (-1, -1), 5, colors.white),
                ("LINEBEFORE", (0, 0), (-1, -1), 5, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
            ]
        )
    )
    return table


def _render(block: Block, styles: Mapping[str, Any], width: float, height: float) -> list[Any]:
    from reportlab.platypus import KeepTogether, Paragraph
    from reportlab.platypus import PageBreak as ReportLabPageBreak

    if isinstance(block, Heading):
        return [Paragraph(escape(block.text), styles["h1" if block.level == 1 else "h2"])]
    if isinstance(block, Text):
        return [Paragraph(escape(block.text), styles[block.kind])]
    if isinstance(block, Bullets):
        return [Paragraph(escape(item), styles["bullet"], bulletText="•") for item in block.items]
    if isinstance(block, TableBlock):
        return _table(block, styles, width)
    if isinstance(block, ChartBlock):
        flowables = [_image(block.path, width, height * block.max_height_fraction)]
        if block.caption:
            flowables.append(Paragraph(escape(block.caption), styles["caption"]))
        return [KeepTogether(flowables), _spacer(6)]
    if isinstance(block, PageBreak):
        return [ReportLabPageBreak()]
    raise TypeError(f"unknown report block {block!r}")


def _image(path: Path, max_width: float, max_height: float) -> Any:
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    pixels_wide, pixels_high = ImageReader(str(path)).getSize()
    scale = min(max_width / pixels_wide, max_height / pixels_high)
    image = Image(str(path), width=pixels_wide * scale, height=pixels_high * scale)
    image.hAlign = "LEFT"
    return image


def _formatted(block: TableBlock) -> tuple[list[str], list[list[str]], list[bool]]:
    """Headers, formatted cells and which columns are numeric (right-aligned)."""
    import pandas as pd

    frame = block.frame if block.max_rows is None else block.frame.head(block.max_rows)
    headers = [block.labels.get(str(c), style.label(str(c))) for c in frame.columns]
    columns, numeric = [], []
    for column in frame.columns:
        series = frame[column]
        name = str(column)
        values = series.astype(object).where(series.notna(), None).tolist()
        columns.append([style.format_value(name, v) for v in values])
        numeric.append(
            (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))
            or name in block.right_align
        )
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else []
    return headers, rows, numeric


def _column_widths(
    headers: Sequence[str], rows: Sequence[Sequence[str]], size: float
) -> list[float]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    widths = []
    for c, header in enumerate(headers):
        sample = [row[c] for row in rows[:WIDTH_SAMPLE_ROWS]]
        longest = max((stringWidth(v, FONT, size) for v in sample), default=0.0)
        header_width = min(stringWidth(header, BOLD, size), 90.0)
        widths.append(max(longest, header_width) + 10)
    return widths


def _natural_width(block: TableBlock, size: float) -> float:
    _register_fonts()
    headers, rows, _ = _formatted(TableBlock(block.frame.head(WIDTH_SAMPLE_ROWS), block.labels))
    return sum(min(w, MAX_TEXT_COLUMN_POINTS) for w in _column_widths(headers, rows, size))


def _table(block: TableBlock, styles: Mapping[str, Any], width: float) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import LongTable, Paragraph, TableStyle

    headers, rows, numeric = _formatted(block)
    if not rows:
        return [Paragraph("No rows.", styles["note"])]
    size = TABLE_FONT_SIZES[0]
    for size in TABLE_FONT_SIZES:
        widths = _column_widths(headers, rows, size)
        if sum(min(w, MAX_TEXT_COLUMN_POINTS) for w in widths) <= width:
            break
    widths = [min(w, MAX_TEXT_COLUMN_POINTS) for w in widths]
    if sum(widths) > width:  # still too wide: shrink every column in proportion, text wraps
        widths = [w * width / sum(widths) for w in widths]
    cell = ParagraphStyle("cellsized", parent=styles["cell"], fontSize=size, leading=size + 2)
    head = ParagraphStyle("headsized", parent=cell, fontName=BOLD, textColor=colors.white)
    head_right = ParagraphStyle("headright", parent=head, alignment=2)
    body: list[list[Any]] = [
        [Paragraph(escape(h), head_right if numeric[c] else head) for c, h in enumerate(headers)]
    ]
    for row in rows:
        body.append(
            [
                Paragraph(escape(v), cell)
                if not numeric[c] and _too_wide(v, widths[c], size)
                else v
                for c, v in enumerate(row)
            ]
        )
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, size),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(style.HEADER_FILL)),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f7f8fa")]),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor(style.LIGHT_GREY)),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    commands += [("ALIGN", (c, 1), (c, -1), "RIGHT") for c, is_num in enumerate(numeric) if is_num]
    for r in _at_risk_rows(block):
        commands.append(
            ("BACKGROUND", (0, r + 1), (-1, r + 1), colors.HexColor(style.AT_RISK_FILL))
        )
    table = LongTable(body, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    story: list[Any] = [table]
    shown, total = len(rows), len(block.frame)
    notes = [block.note] if block.note else []
    if total > shown:
        notes.append(f"Showing {shown:,} of {total:,} rows; {block.more_note}.")
    story += [Paragraph(escape(" ".join(notes)), styles["note"])] if notes else []
    story.append(_spacer(8))
    return story


def _too_wide(text: str, width: float, size: float) -> bool:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return bool(stringWidth(text, FONT, size) + 8 > width)


def _at_risk_rows(block: TableBlock) -> list[int]:
    frame = block.frame if block.max_rows is None else block.frame.head(block.max_rows)
    if "at_risk" not in frame.columns:
        return []
    flags = frame["at_risk"].astype(object).where(frame["at_risk"].notna(), False).tolist()
    return [i for i, flag in enumerate(flags) if bool(flag)]


def _spacer(points: float) -> Any:
    from reportlab.platypus import Spacer

    return Spacer(1, points)


def _numbered_canvas(footer: str) -> Any:
    """A canvas class that writes "Page X of Y" once the page count is known."""
    from reportlab.lib import colors
    from reportlab.lib.units import inch
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            width, _ = self._pagesize
            y = MARGIN_INCHES * inch * 0.75
            self.saveState()
            self.setStrokeColor(colors.HexColor(style.LIGHT_GREY))
            self.setLineWidth(0.6)
            self.line(MARGIN_INCHES * inch, y + 10, width - MARGIN_INCHES * inch, y + 10)
            self.setFont(FONT, 7.5)
            self.setFillColor(colors.HexColor(style.MUTED))
            self.drawString(MARGIN_INCHES * inch, y, footer[:120])
            self.drawRightString(
                width - MARGIN_INCHES * inch, y, f"Page {self._pageNumber} of {total}"
            )
            self.restoreState()

    return NumberedCanvas
