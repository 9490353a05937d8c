"""Alerts fire on each of the four causes, reach a webhook on loopback (retried), and show."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from meta_agent.config import Settings
from meta_agent.errors import ConfigError
from meta_agent.service import create_app
from meta_agent.service.alerts import Alerts, load_alert_config
from meta_agent.service.store import ServiceStore
from tests.service.conftest import ENDLESS_SCRIPT, GOOD_SCRIPT, Service, make_tokens

FAILING_SCRIPT = "raise ValueError('the numbers do not add up')\n"
BAD_DATA_SCRIPT = (
    "from meta_agent.tool_library.data_tools import write_results_json\n"
    "write_results_json({'checks': {'passed': False, 'issues': 3}})\n"
)


class Receiver(BaseHTTPRequestHandler):
    """Records JSON posts; answers the very first one 503, so the sender must retry."""

    received: list[dict[str, Any]] = []
    attempts = 0

    def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).attempts += 1
        status = 503 if type(self).attempts == 1 else 204
        if status == 204:
            type(self).received.append(json.loads(body))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def receiver() -> Iterator[str]:
    Receiver.received, Receiver.attempts = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_each_cause_fires_once_and_reaches_the_webhook(
    service_settings: Settings, receiver: str, tmp_path: Path
) -> None:
    rules = tmp_path / "alerts.yaml"
    rules.write_text(
        f"webhooks: [{receiver}]\n"
        "rules:\n"
        "  - {name: script failed, when: failure}\n"
        "  - {name: long run, when: long_run, seconds: 0.5}\n"
        "  - {name: memory, when: resource, resource: memory, share: 0.0001}\n"
        "  - {name: bad data, when: validation}\n"
    )
    store = ServiceStore.for_settings(service_settings)
    tokens = make_tokens(store)
    alerts = Alerts(load_alert_config(rules))
    with TestClient(create_app(service_settings, alerts=alerts)) as client:
        service = Service(client, service_settings, store, tokens)
        failing = service.submit(script=FAILING_SCRIPT, approve=True)["id"]
        bad_data = service.submit(script=BAD_DATA_SCRIPT, approve=True)["id"]
        good = service.submit(script=GOOD_SCRIPT, user="bob", approve=True)["id"]
        endless = service.submit(script=ENDLESS_SCRIPT, approve=True)["id"]
        assert service.wait(failing)["status"] == "failed"
        assert service.wait(bad_data)["status"] == "succeeded"
        assert service.wait(good, user="bob")["status"] == "succeeded"
        deadline = time.monotonic() + 30
        while not any(a.run_id == endless for a in alerts.recent):
            assert time.monotonic() < deadline, "no long-run alert while it ran"
            time.sleep(0.1)
        client.post(f"/api/runs/{endless}/cancel", headers=service.auth("alice"))
        assert service.wait(endless)["status"] == "cancelled"

        fired = {(a.rule, a.run_id) for a in alerts.recent}
        assert ("script failed", failing) in fired
        assert ("bad data", bad_data) in fired
        assert ("long run", endless) in fired
        assert ("memory", good) in fired
        assert ("script failed", good) not in fired and ("bad data", good) not in fired

        mine = client.get("/api/alerts", headers=service.auth("alice")).json()
        assert good not in {a["run_id"] for a in mine} and failing in {a["run_id"] for a in mine}
        everyone = client.get("/api/alerts", headers=service.auth("admin")).json()
        assert len(everyone) == len(alerts.recent)
        client.post("/ui/login", data={"token": tokens["alice"]})
        panel = client.get("/ui/alerts").text
        assert "script failed" in panel and "the numbers do not add up" in panel
    # Shutting down delivers what was queued: every alert, the first after a retry.
    posted = {(a["rule"], a["run_id"]) for a in Receiver.received}
    assert posted == fired
    assert Receiver.attempts == len(fired) + 1
    assert all(a["message"] and a["at"] for a in Receiver.received)


def test_a_bad_alerts_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text("rules:\n  - {name: x, when: sometimes}\n")
    with pytest.raises(ConfigError, match="is not valid"):
        load_alert_config(path)
    path.write_text("rules:\n  - {name: x, when: long_run}\n")
    with pytest.raises(ConfigError, match="needs 'seconds'"):
        load_alert_config(path)
    with pytest.raises(ConfigError, match="Cannot read"):
        load_alert_config(tmp_path / "missing.yaml")
