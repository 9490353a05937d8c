"""The service and the CLI on one run history in PostgreSQL: the same runs, owners, decisions.

Skipped with the reason when the test server is unreachable; under CI=true, a failure.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from meta_agent.config import Settings, load_settings
from meta_agent.service import create_app
from meta_agent.service.store import ServiceStore
from tests.service.conftest import GOOD_SCRIPT, USE_CASE_1, Service, make_tokens
from tests.service.test_restart import (
    test_a_stopped_server_cancels_its_running_runs_and_a_new_one_resumes as restart_test,
)


@pytest.fixture()
def pg_settings(
    sample_db_url: str, postgres_history_url: str, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("META_AGENT_HISTORY_URL", postgres_history_url)  # the CLI's too
    return load_settings(database_url=sample_db_url)


@pytest.fixture()
def pg_service(pg_settings: Settings) -> Iterator[Service]:
    store = ServiceStore.for_settings(pg_settings)
    tokens = make_tokens(store)
    with TestClient(create_app(pg_settings, worker_threads=2)) as client:
        yield Service(client, pg_settings, store, tokens)


def test_service_and_cli_share_the_postgresql_history(
    pg_service: Service, cli, tmp_path: Path
) -> None:
    service = pg_service
    run_id = service.submit(request=USE_CASE_1, approve=True)["id"]
    assert service.wait(run_id)["status"] == "succeeded"

    script = tmp_path / "mine.py"
    script.write_text(GOOD_SCRIPT)
    ran = cli("exec", str(script), "--yes", "--json").json()
    assert ran["status"] == "succeeded", ran

    everyone = service.client.get("/api/runs", headers=service.auth("admin")).json()
    assert {r["id"] for r in everyone["runs"]} == {run_id, ran["run_id"]}
    from_cli = service.get(ran["run_id"], "admin")
    assert [(d["action"], d["actor"]) for d in from_cli["decisions"]] == [
        ("approved (--yes)", getpass.getuser())
    ]
    assert service.client.get("/api/runs", headers=service.auth("alice")).json()["total"] == 1
    shown = cli("runs", "show", run_id, "--json").json()
    assert [(d["action"], d["actor"]) for d in shown["decisions"]] == [("approved", "alice")]
    stats = cli("runs", "stats", "--json").json()
    assert stats["total"] == 2 and stats["succeeded"] == 2
    assert not (service.settings.resolved_runs_dir / "history.db").exists()


def test_a_restart_on_postgresql_loses_no_run(pg_settings: Settings) -> None:
    restart_test(pg_settings)
