"""PDFs read back with pypdf (text, pages) and rendered with pdftoppm."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from meta_agent.reporting import charts, pdf


def _table(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "property_id": [f"prop_{i:04d}" for i in range(rows)],
            "name": [f"Property & Sons <{i}>" for i in range(rows)],
            "noi": rng.uniform(1e5, 5e6, rows),
            "dscr": np.where(np.arange(rows) % 7 == 0, np.nan, rng.uniform(0.8, 2.5, rows)),
            "occupancy": rng.uniform(0.7, 1.0, rows),
            "at_risk": np.arange(rows) % 5 == 0,
        }
    )


def test_report_with_tiles_tables_charts_and_page_numbers(tmp_path: Path, render_pdf_page) -> None:
    table = _table(180)
    chart = charts.distribution_chart(table, "dscr", tmp_path / "dist.png", threshold=1.25)
    path = pdf.write_pdf(
        tmp_path / "report.pdf",
        title="DSCR review",
        subtitle="All properties",
        request="dscr by asset, worst first <please> & thanks",
        as_of="December 2025",
        key_figures=[
            pdf.KeyFigure("T12 NOI", "$12,345,678", "+$1,000 vs last year", "good"),
            pdf.KeyFigure("At risk", "7 of 52", "DSCR below 1.25x", "bad"),
        ],
        blocks=[
            pdf.Heading("Properties"),
            pdf.TableBlock(table, labels={"noi": "T12 NOI"}, max_rows=150, note="Sorted by id."),
            pdf.ChartBlock(chart, caption="DSCR across the portfolio"),
            pdf.Bullets(["DSCR is T12 NOI over annual debt service."]),
        ],
        generated_at=dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC),
    )
    reader = PdfReader(path)
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
    first = pages[0]
    assert "DSCR review" in first and "dscr by asset, worst first <please> & thanks" in first
    assert "$12,345,678" in first and "Data as of December 2025" in first
    # the table header repeats on the page it continues on
    continued = [t for t in pages[1:] if "prop_0100" in t or "prop_0120" in t]
    assert continued and "T12 NOI" in continued[0] and "Occupancy" in continued[0]
    everything = "\n".join(pages)
    assert "Property & Sons <3>" in everything
    assert f"{table['noi'].iloc[1]:,.0f}" in everything
    assert "no debt" in everything  # a missing DSCR reads as no debt
    assert "Showing 150 of 180 rows" in everything
    assert "prop_0170" not in everything
    assert reader.metadata.title == "DSCR review"

    image = render_pdf_page(path, 1, tmp_path)
    with Image.open(image) as rendered:
        assert rendered.size[0] > 400
        colours = rendered.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 20  # text and tiles, not a blank page


def test_wide_tables_turn_the_page(tmp_path: Path) -> None:
    wide = pd.DataFrame({f"long_column_name_{i}": [123456789.0, 2.0] for i in range(14)})
    reader = PdfReader(
        pdf.write_pdf(tmp_path / "w.pdf", title="Wide", blocks=[pdf.TableBlock(wide)])
    )
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)


def test_empty_table_and_atomic_failure(tmp_path: Path) -> None:
    empty = pd.DataFrame({"noi": []})
    reader = PdfReader(pdf.write_pdf(tmp_path / "e.pdf", title="E", blocks=[pdf.TableBlock(empty)]))
    assert "No rows." in reader.pages[0].extract_text()
    with pytest.raises(TypeError):
        pdf.write_pdf(tmp_path / "bad.pdf", title="B", blocks=["not a block"])  # type: ignore[list-item]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.pdf"]
