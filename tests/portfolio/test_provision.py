"""The default sample portfolio is made on first use of the default path, and nowhere else."""

from __future__ import annotations

from pathlib import Path

from meta_agent.config import load_settings
from meta_agent.portfolio.engine import check_portfolio, dispose_engines, get_engine
from meta_agent.portfolio.provision import ensure_default_portfolio


def test_default_database_is_created_once(isolated_settings: Path) -> None:
    settings = load_settings()
    assert settings.uses_default_database
    assert not settings.default_database_path.exists()
    assert ensure_default_portfolio(settings) is True
    assert settings.default_database_path.is_file()
    check_portfolio(get_engine(settings.resolved_database_url))
    dispose_engines()
    assert ensure_default_portfolio(settings) is False


def test_a_configured_database_is_never_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "portfolio.db"
    settings = load_settings(database_url=f"sqlite:///{missing}")
    assert ensure_default_portfolio(settings) is False
    assert not missing.exists() and not missing.parent.exists()


def test_a_sqlite_portfolio_is_seen_by_the_standard_library_or_left_to_sqlalchemy(
    sample_db_path: Path, tmp_path: Path
) -> None:
    """True only for a plain SQLite file holding the portfolio's tables; anything else is left to
    ``read_only_engine``, which names the cause."""
    import sqlite3

    from meta_agent.portfolio.sqlite_direct import holds_portfolio

    assert holds_portfolio(f"sqlite:///{sample_db_path}")
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("CREATE TABLE properties (property_id TEXT)").connection.close()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    for url in (
        f"sqlite:///{tmp_path / 'missing.db'}",
        f"sqlite:///{empty}",
        f"sqlite:///{garbage}",
        f"sqlite:///{tmp_path}",
        f"sqlite:///{sample_db_path}?mode=ro",
        "sqlite:///:memory:",
        "postgresql://user@localhost/portfolio",
    ):
        assert not holds_portfolio(url), url
    assert not (tmp_path / "missing.db").exists()  # never created as a side effect
