"""``meta-agent serve`` for real: uvicorn on loopback, a warm pool, a client over TCP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from meta_agent.config import load_settings
from meta_agent.service.store import ServiceStore
from tests.service.conftest import USE_CASE_1

ENTRY = "from meta_agent.cli.main import run; run()"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_on_loopback_runs_use_case_1_and_stops_cleanly(
    sample_db_url: str, tmp_path: Path
) -> None:
    settings = load_settings(database_url=sample_db_url)
    token = ServiceStore(settings.resolved_runs_dir).create_token("carol")
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "serve", "--port", str(port), "--pool", "1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "META_AGENT_DATABASE_URL": sample_db_url},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            auth = {"Authorization": f"Bearer {token}"}
            assert client.get("/api/runs").status_code == 401
            created = client.post(
                "/api/runs", json={"request": USE_CASE_1, "approve": True}, headers=auth
            )
            assert created.status_code == 201, created.text
            run_id = created.json()["id"]
            # The live log, followed to its end while the run goes on.
            events = []
            with client.stream("GET", f"/api/runs/{run_id}/logs", headers=auth) as stream:
                for line in stream.iter_lines():
                    if line.startswith("event: "):
                        events.append(line.removeprefix("event: "))
            assert events[-1] == "end" and events.count("log") > 3
            run = client.get(f"/api/runs/{run_id}", headers=auth).json()
            assert run["status"] == "succeeded", run["error"]
            assert run["resources"]["backend"]
            schema = client.get("/openapi.json").json()
            assert "/api/runs/{run_id}/approve" in schema["paths"]
            assert json.loads(
                client.get(f"/api/runs/{run_id}/artifacts/results.json", headers=auth).text
            )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            pytest.fail("the server did not stop on SIGTERM")
        log.close()
    assert code == 0, (tmp_path / "server.log").read_text()


def test_serve_refuses_a_public_address_without_a_token(cli) -> None:  # noqa: ANN001
    refused = cli("serve", "--host", "0.0.0.0")
    assert refused.code == 2
    assert "Refusing to listen on 0.0.0.0 with no API token" in refused.stderr


def test_token_create_list_revoke(cli) -> None:  # noqa: ANN001
    created = cli("token", "create", "dana", "--admin")
    assert created.code == 0
    token = created.stdout.strip()
    assert token.startswith("ma_") and len(token) > 40
    settings = load_settings()
    store = ServiceStore(settings.resolved_runs_dir)
    user = store.user_for(token)
    assert user is not None and user.name == "dana" and user.admin
    # Stored hashed: the token itself is nowhere in the database file.
    assert token.encode() not in (settings.resolved_runs_dir / "history.db").read_bytes()
    assert cli("token", "create", "dana").code == 2
    listed = cli("token", "list")
    assert "dana\tadmin" in listed.stdout and "active" in listed.stdout
    assert token not in listed.stdout and "default limits" in listed.stdout
    assert cli("token", "revoke", "dana").code == 0
    assert store.user_for(token) is None
    assert "revoked" in cli("token", "list").stdout
    assert cli("token", "revoke", "dana").code == 2
    assert cli("token", "create", "bad name!").code == 2
    again = cli("token", "create", "dana").stdout.strip()
    assert store.user_for(again) is not None
    assert cli("token", "create", "long", "--timeout", "14400", "--memory-mb", "4096").code == 0
    assert "timeout_seconds=14400, memory_mb=4096" in cli("token", "list").stdout
    assert cli("token", "create", "neg", "--timeout", "-5").code == 2
