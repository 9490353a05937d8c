"""``meta-agent db``: create and describe the sample portfolio database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(help="Create and inspect the portfolio database.", no_args_is_help=True)

DatabaseOption = Annotated[
    str | None, typer.Option("--database", help="SQLAlchemy URL; default: the configured database.")
]


@app.command("init")
def init(
    database: DatabaseOption = None,
    properties: Annotated[int, typer.Option(min=1, help="How many properties to generate.")] = 60,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same portfolio.")] = 42,
    force: Annotated[bool, typer.Option(help="Replace an existing portfolio.")] = False,
) -> None:
    """Create the schema and fill it with the deterministic sample portfolio."""
    from meta_agent.cli.render import console
    from meta_agent.config import load_settings, mask_url
    from meta_agent.portfolio.generator import generate_portfolio

    url = load_settings(database_url=database).resolved_database_url
    summary = generate_portfolio(url, properties=properties, seed=seed, force=force)
    rows = summary.get("rows", {})
    counts = ", ".join(
        f"{rows[k]:,} {k}" for k in ("properties", "financials", "loans") if k in rows
    )
    console().print(
        f"Created the sample portfolio at {mask_url(url)}: {counts} "
        f"in {summary.get('seconds', 0):.2f} s (seed {seed})."
    )


@app.command("info")
def info(database: DatabaseOption = None) -> None:
    """Summarise what is in the database: counts, date range, property types."""
    from meta_agent.cli.render import console, info_table
    from meta_agent.config import load_settings, mask_url
    from meta_agent.portfolio.generator import portfolio_info

    url = load_settings(database_url=database).resolved_database_url
    console().print(info_table(mask_url(url), portfolio_info(url)))


@app.command("import")
def import_files(
    path: Annotated[
        Path,
        typer.Argument(
            help="A folder of CSV files named after the tables (properties.csv, financials.csv, "
            "loans.csv, valuations.csv, market_data.csv) or an Excel workbook, a sheet per table."
        ),
    ],
    database: DatabaseOption = None,
    replace: Annotated[
        bool, typer.Option(help="Replace an existing portfolio (a SQLite file is backed up).")
    ] = False,
    recompute_debt_service: Annotated[
        bool,
        typer.Option(
            help="Use DOMAIN.md's formula for loans' annual debt service instead of refusing "
            "values that disagree with it."
        ),
    ] = False,
) -> None:
    """Import your own portfolio from CSV files or an Excel workbook, whole or not at all."""
    from meta_agent.cli.render import console
    from meta_agent.config import load_settings
    from meta_agent.errors import ImportRejected
    from meta_agent.portfolio.importing import import_portfolio

    url = load_settings(database_url=database).resolved_database_url
    out = console()
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    try:
        # On a terminal only (rich hides it elsewhere), and gone once the import ends.
        with Progress(*columns, console=out, transient=True) as bar:
            task = bar.add_task(f"reading {path.name}")

            def progress(label: str, rows: int) -> None:
                bar.update(task, description=f"reading {label}: {rows:,} rows")

            report = import_portfolio(
                path,
                url,
                replace=replace,
                debt_service="recompute" if recompute_debt_service else "check",
                progress=progress,
            )
    except ImportRejected as exc:
        _list_problems(out, exc.problems)
        raise
    counts = _counts(report.rows)
    out.print(f"Imported {path} into {report.database}: {counts} in {report.seconds:.2f} s.")
    for line in report.readings:
        out.print(f"  read: {line}", markup=False)
    for line in report.disabled:
        out.print(f"  [yellow]missing:[/] {line}")
    if report.backup:
        out.print(f"  the previous portfolio is kept in {report.backup}")


@app.command("export")
def export_files(
    folder: Annotated[Path, typer.Argument(help="An empty folder for one CSV file per table.")],
    database: DatabaseOption = None,
) -> None:
    """Write the portfolio as the CSV files `db import` reads (to edit, or to move it)."""
    from meta_agent.cli.render import console
    from meta_agent.config import load_settings, mask_url
    from meta_agent.portfolio.exporting import export_portfolio

    url = load_settings(database_url=database).resolved_database_url
    counts = export_portfolio(url, folder)
    written = _counts(counts)
    console().print(f"Exported {mask_url(url)} to {folder}: {written}.")


@app.command("template")
def template(
    path: Annotated[
        Path, typer.Argument(help="Where to write it: a .xlsx file, or a folder for CSV.")
    ],
    template_format: Annotated[
        str, typer.Option("--format", help="xlsx (one workbook) or csv (a folder of files).")
    ] = "xlsx",
) -> None:
    """Write an empty import template with every column and what it means."""
    from typing import cast

    from meta_agent.cli.render import console
    from meta_agent.portfolio.templates import TemplateFormat, write_template

    written = write_template(path, cast(TemplateFormat, template_format))
    console().print(
        f"Wrote {', '.join(str(p) for p in written)}; fill it in, then run "
        f"`meta-agent db import {written[0] if template_format == 'xlsx' else path}`."
    )


@app.command("map")
def map_database(
    mapping_file: Annotated[
        Path, typer.Argument(help="YAML: for each DOMAIN.md table, `from:` and `columns:`.")
    ],
    database: DatabaseOption = None,
) -> None:
    """Read your own PostgreSQL tables through DOMAIN.md's names: check the mapping, create views."""
    from meta_agent.cli.render import console
    from meta_agent.config import load_settings, mask_url
    from meta_agent.portfolio.mapping import MappingRejected, apply_mapping, load_mapping

    url = load_settings(database_url=database).resolved_database_url
    out = console()
    try:
        report = apply_mapping(load_mapping(mapping_file), url)
    except MappingRejected as exc:
        _list_problems(out, exc.problems)
        raise
    counts = _counts(report.rows)
    out.print(f"Mapped {mask_url(url)} through views in schema meta_agent: {counts}.")
    for line in report.disabled:
        out.print(f"  [yellow]missing:[/] {line}")
    out.print("Ask questions of it with:", markup=False)
    out.print(f"  meta-agent ask \"...\" --database '{mask_url(report.url)}'", markup=False)


def _list_problems(out: Any, problems: list[str]) -> None:
    """Every problem of a refused import or mapping, one per line (the error follows)."""
    for problem in problems:
        out.print(f"  {problem}", markup=False, highlight=False)


def _counts(rows: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {table}" for table, n in rows.items())
