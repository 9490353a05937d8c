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
