"""The service under test: the real app, the real pipeline, the sample portfolio, real sandboxes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from meta_agent.config import Settings, load_settings
from meta_agent.service import create_app
from meta_agent.service.store import ServiceStore
from tests.cli.conftest import cli  # noqa: F401 - the real entry point, for serve and token

USE_CASE_1 = "Calculate DSCR for all properties and identify at-risk assets"
FINAL_WAIT_SECONDS = 60

GOOD_SCRIPT = (
    "import logging\n"
    "from meta_agent.tool_library.calculation_tools import calculate_dscr\n"
    "from meta_agent.tool_library.data_tools import write_results_json\n"
    "logger = logging.getLogger('meta_agent.run')\n"
    "dscr = calculate_dscr(1_250_000.0, 1_000_000.0)\n"
    "logger.info('dscr %s', dscr)\n"
    "write_results_json({'dscr': dscr})\n"
)

# Runs until stopped, logging as it goes: what a cancel must end.
ENDLESS_SCRIPT = (
    "import logging\n"
    "logging.basicConfig(level=logging.INFO)\n"
    "logger = logging.getLogger('meta_agent.run')\n"
    "total = 0\n"
    "for i in range(10**12):\n"
    "    total += i\n"
    "    if i % 2000000 == 0:\n"
    "        logger.info('step %s', i)\n"
)


@dataclass
class Service:
    """A running app with three users: alice, bob and an admin."""

    client: TestClient
    settings: Settings
    store: ServiceStore
    tokens: dict[str, str]

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def submit(self, user: str = "alice", **body: Any) -> dict[str, Any]:
        answer = self.client.post("/api/runs", json=body, headers=self.auth(user))
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def get(self, run_id: str, user: str = "alice") -> dict[str, Any]:
        answer = self.client.get(f"/api/runs/{run_id}", headers=self.auth(user))
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def wait(self, run_id: str, user: str = "alice", while_in: tuple[str, ...] = ()) -> dict:
        """The run once its status leaves ``while_in`` (default: queued and running)."""
        waiting = while_in or ("queued", "running")
        deadline = time.monotonic() + FINAL_WAIT_SECONDS
        while True:
            run = self.get(run_id, user)
            if run["status"] not in waiting or time.monotonic() > deadline:
                return run
            time.sleep(0.1)


def make_tokens(store: ServiceStore) -> dict[str, str]:
    return {
        "alice": store.create_token("alice"),
        "bob": store.create_token("bob"),
        "admin": store.create_token("admin", admin=True),
    }


@pytest.fixture()
def service_settings(sample_db_url: str) -> Settings:
    return load_settings(database_url=sample_db_url)


@pytest.fixture()
def service(service_settings: Settings) -> Iterator[Service]:
    store = ServiceStore.for_settings(service_settings)
    tokens = make_tokens(store)
    with TestClient(create_app(service_settings, worker_threads=2)) as client:
        yield Service(client, service_settings, store, tokens)


@pytest.fixture()
def live_server(service_settings: Settings) -> Iterator[tuple[str, str]]:
    token = ServiceStore.for_settings(service_settings).create_token("erin")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(service_settings, pool_size=1), host="127.0.0.1", port=port, log_level="error"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.should_exit = True
        thread.join(timeout=30)
