"""``meta-agent db``: create and describe the sample portfolio database."""

from __future__ import annotations

from typing import Annotated

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
