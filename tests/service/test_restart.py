"""A restart never loses a run: held runs wait, queued runs resume, lost ones are marked so."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from meta_agent.config import Settings
from meta_agent.service import create_app
from meta_agent.service.runs import LOST_MESSAGE
from meta_agent.service.store import ServiceStore
from tests.service.conftest import ENDLESS_SCRIPT, GOOD_SCRIPT, USE_CASE_1, Service, make_tokens


def test_a_stopped_server_cancels_its_running_runs_and_a_new_one_resumes(
    service_settings: Settings,
) -> None:
    store = ServiceStore.for_settings(service_settings)
    tokens = make_tokens(store)
    with TestClient(create_app(service_settings)) as client:
        first = Service(client, service_settings, store, tokens)
        held = first.submit(request=USE_CASE_1)["id"]
        endless = first.submit(script=ENDLESS_SCRIPT, approve=True)["id"]
        assert first.wait(endless, while_in=("queued",))["status"] == "running"
        # Two runs as a server killed without warning leaves them.
        lost = first.submit(script=GOOD_SCRIPT)["id"]
        assert store.move(lost, "awaiting_approval", "running")
        waiting = first.submit(script=GOOD_SCRIPT)["id"]
        assert store.move(waiting, "awaiting_approval", "queued")
        time.sleep(0.6)  # the endless script is into its loop
    # Shutting down stopped the running script and recorded it.
    assert store.status_of(endless) == "cancelled"

    with TestClient(create_app(service_settings)) as client:
        second = Service(client, service_settings, store, tokens)
        assert second.get(held)["status"] == "awaiting_approval"
        gone = second.get(lost)
        assert gone["status"] == "failed" and gone["error"] == LOST_MESSAGE
        assert second.wait(waiting)["status"] == "succeeded"
        stopped = second.get(endless)
        assert stopped["error"].startswith("The service was shutting down: the run was cancelled")
        approved = client.post(f"/api/runs/{held}/approve", headers=second.auth("alice"))
        assert approved.status_code == 200
        assert second.wait(held)["status"] == "succeeded"
        listed = client.get("/api/runs", headers=second.auth("alice")).json()
        assert {r["id"] for r in listed["runs"]} == {held, endless, lost, waiting}
