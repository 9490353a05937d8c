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


def test_the_llm_settings_default_to_the_offline_planner() -> None:
    settings = Settings()
    assert settings.planner == "offline" and settings.llm_provider == "openai"
    assert settings.llm_model is None and settings.llm_api_key is None
    assert (settings.llm_timeout_seconds, settings.llm_max_retries, settings.llm_max_repairs) == (
        60.0,
        3,
        2,
    )
    assert (settings.llm_budget_tokens, settings.llm_budget_seconds) == (120_000, 120.0)
    assert settings.llm_budget_usd is None and settings.llm_prices is None


def test_the_llm_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_AGENT_PLANNER", "auto")
    monkeypatch.setenv("META_AGENT_LLM_PROVIDER", "anthropic")
    monkeypatch.setenv("META_AGENT_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("META_AGENT_LLM_BUDGET_USD", "0.25")
    monkeypatch.setenv(
        "META_AGENT_LLM_PRICES", '{"m": {"input_per_mtok": 3, "output_per_mtok": 15}}'
    )
    settings = load_settings()
    assert (settings.planner, settings.llm_provider, settings.llm_max_retries) == (
        "auto",
        "anthropic",
        0,
    )
    assert settings.llm_budget_usd == 0.25
    assert settings.llm_prices == {"m": {"input_per_mtok": 3.0, "output_per_mtok": 15.0}}


def test_an_unknown_planner_or_provider_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_AGENT_PLANNER", "gpt")
    monkeypatch.setenv("META_AGENT_LLM_PROVIDER", "mistral")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "planner (environment variable META_AGENT_PLANNER) = 'gpt'" in message
    assert "offline, llm, auto" in message and "openai, anthropic" in message


def test_prices_come_from_a_json_or_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "prices.yaml").write_text("m:\n  input_per_mtok: 0.5\n  output_per_mtok: 1.5\n")
    (tmp_path / "prices.json").write_text('{"m": {"input_per_mtok": 1, "output_per_mtok": 2}}')
    assert Settings(llm_prices=str(tmp_path / "prices.yaml")).llm_prices == {  # type: ignore[arg-type]
        "m": {"input_per_mtok": 0.5, "output_per_mtok": 1.5}
    }
    assert Settings(llm_prices=str(tmp_path / "prices.json")).llm_prices == {  # type: ignore[arg-type]
        "m": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}
    }
    with pytest.raises(ConfigError, match="neither inline JSON nor an existing file"):
        Settings(llm_prices="missing.json")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="must be exactly"):
        Settings(llm_prices='{"m": {"input": 1}}')  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="0 or more"):
        Settings(llm_prices='{"m": {"input_per_mtok": -1, "output_per_mtok": 2}}')  # type: ignore[arg-type]


def test_the_llm_key_is_masked_and_the_token_budget_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_AGENT_LLM_API_KEY", "sk-llm-secret")
    settings = load_settings()
    assert "sk-llm-secret" not in repr(settings)
    shown = {name: value for name, value, _ in describe_settings(settings, {})}
    assert shown["llm_api_key"] == "***"
    assert shown["llm_budget_tokens"] == "120000"
