"""From settings and a script's tools to a RunSpec: hosts and tool settings only for network
tools, and never a secret in the sandbox's environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from meta_agent.config import load_settings
from meta_agent.runtime import Limits, RunResult
from meta_agent.runtime.launch import build_run_spec, resources_of, uses_network
from meta_agent.tool_library.tool_registry import default_registry


@pytest.fixture()
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_AGENT_EXTERNAL_API_KEY", "sk-test-key")
    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", '["geo.example"]')
    monkeypatch.setenv("META_AGENT_GEOCODER_URL", "https://geo.example/v1")
    monkeypatch.setenv("META_AGENT_CENSUS_URL", "https://geo.example/census")


def test_tool_settings_reach_only_runs_that_use_the_network(online: None, tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'p.db'}")
    registry = default_registry(load_plugins=False)
    assert uses_network(registry, ["geocode_address"])
    assert not uses_network(registry, ["calculate_dscr", "not_a_tool"])

    offline = build_run_spec(settings, registry, tmp_path, tmp_path / "s.py", ["calculate_dscr"])
    assert offline.variables == {} and not offline.credentials and list(offline.allowed_hosts) == []
    assert offline.database_url == f"sqlite:///{tmp_path / 'p.db'}"

    spec = build_run_spec(settings, registry, tmp_path, tmp_path / "s.py", ["geocode_address"])
    assert list(spec.allowed_hosts) == ["geo.example"]
    assert spec.variables == {
        "META_AGENT_GEOCODER_URL": "https://geo.example/v1",
        "META_AGENT_CENSUS_URL": "https://geo.example/census",
    }
    assert "sk-test-key" not in repr(spec.variables)  # the key stays with the broker
    assert [c.url for c in spec.credentials] == ["https://geo.example/census"]


def test_resources_are_rounded_and_carry_the_limits() -> None:
    result = RunResult(
        status="succeeded",
        backend="bwrap",
        limits=Limits(timeout_seconds=5),
        exit_code=0,
        wall_seconds=1.234567,
        cpu_seconds=0.98765,
        peak_memory_mb=123.456,
    )
    resources = resources_of(result)
    assert resources["wall_seconds"] == 1.2346 and resources["peak_memory_mb"] == 123.46
    assert resources["limits"]["timeout_seconds"] == 5 and resources["backend"] == "bwrap"


def test_a_source_url_with_a_query_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from meta_agent.errors import ConfigError
    from meta_agent.runtime.broker import tool_access

    monkeypatch.setenv("META_AGENT_CENSUS_URL", "https://geo.example/acs?key=SECRET")
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'p.db'}")
    with pytest.raises(ConfigError, match="a query"):
        tool_access(settings)
