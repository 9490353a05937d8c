"""Settings: where each value comes from, how it is checked, and what reading them costs."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from meta_agent.config import SecretStr, Settings, describe_settings, load_settings
from meta_agent.errors import ConfigError


def test_caller_beats_environment_beats_dotenv_beats_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "# comment\n"
        "export META_AGENT_SANDBOX=process\n"
        "META_AGENT_MEMORY_MB='300'\n"
        'META_AGENT_CENSUS_URL="http://census.example/data"\n'
        "META_AGENT_MAX_PROCESSES=12 # inline comment\n"
        "OTHER_TOOL_SETTING=ignored\n"
    )
    monkeypatch.setenv("META_AGENT_MEMORY_MB", "400")
    settings = load_settings(timeout_seconds=7, runs_dir=None)
    assert settings.sandbox == "process"  # .env
    assert settings.memory_mb == 400  # environment over .env
    assert settings.census_url == "http://census.example/data"
    assert settings.max_processes == 12
    assert settings.timeout_seconds == 7.0  # the caller, as a float
    assert settings.cpu_seconds == 120  # default
    assert Settings(memory_mb=200).memory_mb == 200  # caller over environment
    sources = {name: source for name, _, source in describe_settings(settings, {})}
    assert sources["memory_mb"] == "environment (META_AGENT_MEMORY_MB)"
    assert sources["sandbox"] == ".env file"
    assert sources["cpu_seconds"] == "default"


def test_lower_case_variables_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("meta_agent_sandbox", "process")
    assert load_settings().sandbox == "process"


def test_every_value_is_checked_and_every_problem_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_AGENT_MEMORY_MB", "lots")
    monkeypatch.setenv("META_AGENT_LOAD_PLUGINS", "maybe")
    with pytest.raises(ConfigError) as caught:
        load_settings(sandbox="jail", cpu_seconds=-1)
    message = str(caught.value)
    for part in (
        "memory_mb (environment variable META_AGENT_MEMORY_MB) = 'lots'",
        "load_plugins",
        "sandbox",
        "auto, bwrap, docker, process",
        "cpu_seconds",
        "greater than 0",
    ):
        assert part in message
    with pytest.raises(ConfigError, match="whole number"):
        Settings(cpu_seconds=1.5)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="not true/false"):
        Settings(memory_mb=True)
    with pytest.raises(ConfigError, match="finite number"):
        Settings(timeout_seconds=float("nan"))


def test_values_take_their_types(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("META_AGENT_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("META_AGENT_LOAD_PLUGINS", "off")
    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", '["a.example", "b.example"]')
    monkeypatch.setenv("META_AGENT_DATABASE_URL", "")
    settings = load_settings()
    assert (
        settings.runs_dir == tmp_path / "runs" and settings.resolved_runs_dir == settings.runs_dir
    )
    assert settings.load_plugins is False
    assert settings.allowed_hosts == ["a.example", "b.example"]
    assert settings.database_url is None and settings.uses_default_database
    assert settings.resolved_database_url.endswith("/portfolio.db")
    with pytest.raises(ConfigError, match="not a valid JSON list"):
        Settings(allowed_hosts='["a.example"')  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="list of host names"):
        Settings(allowed_hosts=[1])  # type: ignore[list-item]


def test_a_secret_never_shows_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_AGENT_EXTERNAL_API_KEY", "sk-very-secret")
    settings = load_settings()
    assert isinstance(settings.external_api_key, SecretStr)
    assert settings.external_api_key.get_secret_value() == "sk-very-secret"
    assert "sk-very-secret" not in repr(settings) and "sk-very-secret" not in str(settings)
    shown = {name: value for name, value, _ in describe_settings(settings, {})}
    assert shown["external_api_key"] == "***"
    with pytest.raises(ConfigError) as caught:
        Settings(external_api_key=123)  # type: ignore[arg-type]
    assert "123" not in str(caught.value)


def test_settings_are_read_once_and_never_change() -> None:
    settings = Settings(sandbox="process")
    with pytest.raises(AttributeError):
        settings.sandbox = "bwrap"  # type: ignore[misc]


def test_the_limits_defaults_are_the_settings_defaults() -> None:
    from meta_agent.runtime import Limits

    assert Limits() == Limits.from_settings(Settings())
    assert {f.name for f in fields(Limits)} <= {f.name for f in fields(Settings)}


def test_reading_settings_loads_neither_pydantic_nor_the_runtime() -> None:
    code = (
        "import sys; from meta_agent.config import load_settings; load_settings()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'sqlalchemy')"
        " or m.startswith('meta_agent.runtime')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
