"""The HTTP API end to end: the real pipeline plans, the real sandbox runs, the history records."""

from __future__ import annotations

import csv
import io
import time

import pytest

from meta_agent.errors import ConfigError
from tests.service.conftest import ENDLESS_SCRIPT, GOOD_SCRIPT, USE_CASE_1, Service


def _events(text: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a server-sent-events body."""
    found = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            found.append((fields["event"], fields.get("data", "")))
    return found


def test_health_answers_anyone_and_the_api_needs_a_token(service: Service) -> None:
    client = service.client
    assert client.get("/health").json()["status"] == "ok"
    for method, path in [
        ("GET", "/api/runs"),
        ("POST", "/api/runs"),
        ("GET", "/api/tools"),
        ("GET", "/metrics"),
        ("GET", "/api/runs/x"),
    ]:
        answer = client.request(method, path)
        assert answer.status_code == 401, (method, path)
        assert answer.headers["www-authenticate"] == "Bearer"
    wrong = {"Authorization": "Bearer ma_not-a-token"}
    assert client.get("/api/runs", headers=wrong).status_code == 401
    basic = {"Authorization": "Basic YWxpY2U6c2VjcmV0"}
    assert client.get("/api/runs", headers=basic).status_code == 401
    service.store.revoke_token("bob")
    assert client.get("/api/runs", headers=service.auth("bob")).status_code == 401
    assert client.get("/api/runs", headers=service.auth("alice")).status_code == 200


def test_use_case_1_proposed_approved_run_and_downloaded(service: Service) -> None:
    created = service.submit(request=USE_CASE_1)
    assert created["status"] == "awaiting_approval", created
    assert created["plan"]["steps"] and "DSCR" in created["script"]
    assert created["findings"] == [] and created["interpretations"]
    run_id = created["id"]
    # Nothing runs before approval.
    held = service.get(run_id)
    assert held["status"] == "awaiting_approval" and held["artifacts"] == []

    approved = service.client.post(f"/api/runs/{run_id}/approve", headers=service.auth("alice"))
    assert approved.status_code == 200 and approved.json()["status"] in ("queued", "running")
    run = service.wait(run_id)
    assert run["status"] == "succeeded", run["error"]
    assert "dscr_by_property.csv" in run["artifacts"]
    assert run["summary"] and run["resources"]["backend"]
    assert {"analyse", "plan", "validate", "execute", "total"} <= set(run["phases"])
    assert [d["action"] for d in run["decisions"]] == ["approved"]
    assert run["decisions"][0]["actor"] == "alice"

    download = service.client.get(
        f"/api/runs/{run_id}/artifacts/dscr_by_property.csv", headers=service.auth("alice")
    )
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert 'attachment; filename="dscr_by_property.csv"' in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert len(rows) == 60 and "dscr" in rows[0]

    logs = service.client.get(f"/api/runs/{run_id}/logs", headers=service.auth("alice"))
    assert logs.headers["content-type"].startswith("text/event-stream")
    events = _events(logs.text)
    assert events[-1] == ("end", "succeeded")
    assert any("finished: succeeded" in data for kind, data in events if kind == "log")

    # The manifest on disk says the same as the API.
    manifest = (service.settings.resolved_runs_dir / run_id / "manifest.json").read_text()
    assert '"status": "succeeded"' in manifest and '"decisions.json"' in manifest
    decisions = (service.settings.resolved_runs_dir / run_id / "decisions.json").read_text()
    assert '"action": "approved"' in decisions and '"actor": "alice"' in decisions

    metrics = service.client.get("/metrics", headers=service.auth("alice")).text
    assert 'meta_agent_runs_total{status="succeeded"} 1.0' in metrics
    for tool in {step["tool"] for step in created["plan"]["steps"]}:
        assert f'meta_agent_tool_uses_total{{tool="{tool}"}} 1.0' in metrics
    assert "meta_agent_run_duration_seconds_count 1.0" in metrics
    assert 'meta_agent_phase_duration_seconds_count{phase="execute"} 1.0' in metrics
    assert "meta_agent_run_cpu_seconds_count 1.0" in metrics
    assert "meta_agent_run_peak_memory_mb_count 1.0" in metrics
    assert 'meta_agent_plans_total{intent="' in metrics


def test_approve_in_the_request_runs_at_once(service: Service) -> None:
    created = service.submit(script=GOOD_SCRIPT, title="my dscr", approve=True)
    assert created["status"] in ("queued", "running", "succeeded"), created
    run = service.wait(created["id"])
    assert run["status"] == "succeeded", run["error"]
    assert run["summary"] == {"dscr": 1.25}
    assert run["kind"] == "exec" and run["request"] == "my dscr"


def test_refused_request_and_rejected_script_answer_201_with_the_reason(service: Service) -> None:
    refused = service.submit(request="delete all properties from the database")
    assert refused["status"] == "rejected" and refused["reason"], refused
    bad = service.submit(script="import os\nos.system('id')\n", approve=True)
    assert bad["status"] == "rejected"
    assert any(f["rule"] == "import" and f["line"] == 1 for f in bad["findings"])
    # A rejected run stays rejected: nothing to approve.
    again = service.client.post(f"/api/runs/{bad['id']}/approve", headers=service.auth("alice"))
    assert again.status_code == 409
    assert service.get(bad["id"])["status"] == "rejected"


def test_malformed_bodies_are_422_not_500(service: Service) -> None:
    post = service.client.post
    auth = service.auth("alice")
    assert post("/api/runs", json={}, headers=auth).status_code == 422
    both = {"request": "x", "script": "y"}
    assert post("/api/runs", json=both, headers=auth).status_code == 422
    assert post("/api/runs", content=b"{not json", headers=auth).status_code == 422
    assert post("/api/runs", json={"request": "x" * 5000}, headers=auth).status_code == 422
    empty = service.submit(request="   ")
    assert empty["status"] == "rejected"


def test_reject_records_who_and_nothing_runs(service: Service) -> None:
    created = service.submit(request=USE_CASE_1)
    answer = service.client.post(f"/api/runs/{created['id']}/reject", headers=service.auth("alice"))
    assert answer.status_code == 200
    run = answer.json()
    assert run["status"] == "rejected" and "rejected by alice" in run["error"]
    assert run["decisions"][0]["action"] == "rejected" and run["artifacts"] == []
    assert "execute" not in run["phases"]
    twice = service.client.post(f"/api/runs/{created['id']}/reject", headers=service.auth("alice"))
    assert twice.status_code == 409


def test_cancel_a_held_run_and_a_running_one(service: Service) -> None:
    held = service.submit(request=USE_CASE_1)
    cancelled = service.client.post(
        f"/api/runs/{held['id']}/cancel", headers=service.auth("alice")
    ).json()
    assert cancelled["status"] == "cancelled"

    running = service.submit(script=ENDLESS_SCRIPT, title="endless", approve=True)
    run_id = running["id"]
    run = service.wait(run_id, while_in=("queued",))
    assert run["status"] == "running"
    # Wait until the script logs, so the cancel stops a sandbox that is really running.
    log = service.settings.resolved_runs_dir / run_id / "logs" / "run.log"
    for _ in range(300):
        if log.is_file() and "step" in log.read_text():
            break
        time.sleep(0.05)
    assert "step" in log.read_text()
    answer = service.client.post(f"/api/runs/{run_id}/cancel", headers=service.auth("alice"))
    assert answer.status_code == 200
    run = service.wait(run_id)
    assert run["status"] == "cancelled", run
    assert run["error"].startswith("Cancelled by alice through the service")
    assert "the sandbox was stopped" in log.read_text()
    assert (
        service.client.post(f"/api/runs/{run_id}/cancel", headers=service.auth("alice")).status_code
        == 409
    )


def test_another_users_run_is_not_found_and_the_admin_sees_all(service: Service) -> None:
    created = service.submit(script=GOOD_SCRIPT, approve=True)
    run_id = created["id"]
    assert service.wait(run_id)["status"] == "succeeded"
    bob = service.auth("bob")
    client = service.client
    for path in [
        f"/api/runs/{run_id}",
        f"/api/runs/{run_id}/logs",
        f"/api/runs/{run_id}/artifacts/results.json",
    ]:
        answer = client.get(path, headers=bob)
        assert answer.status_code == 404, path
        assert run_id in answer.json()["error"]
    for action in ("approve", "reject", "cancel"):
        assert client.post(f"/api/runs/{run_id}/{action}", headers=bob).status_code == 404
    assert client.get("/api/runs", headers=bob).json()["total"] == 0
    # The CLI's id prefixes do not reach across users either.
    assert client.get(f"/api/runs/{run_id[:8]}", headers=service.auth("alice")).status_code == 404

    admin = service.auth("admin")
    assert client.get(f"/api/runs/{run_id}", headers=admin).json()["owner"] == "alice"
    listed = client.get("/api/runs", headers=admin).json()
    assert [r["id"] for r in listed["runs"]] == [run_id]
    assert client.get(f"/api/runs/{run_id}/artifacts/results.json", headers=admin).json() == {
        "dscr": 1.25
    }


@pytest.mark.parametrize(
    "name",
    [
        "../manifest.json",
        "..%2Fmanifest.json",
        "%2e%2e/script.py",
        "..%5Cmanifest.json",
        "results/../../manifest.json",
        "/etc/passwd",
        "%2Fetc%2Fpasswd",
        "outside.txt",
        "nested/../../script.py",
        "",
    ],
)
def test_artifacts_never_come_from_outside_the_results_folder(service: Service, name: str) -> None:
    created = service.submit(script=GOOD_SCRIPT, approve=True)
    run_id = created["id"]
    assert service.wait(run_id)["status"] == "succeeded"
    folder = service.settings.resolved_runs_dir / run_id
    # A link placed in results/ (by anyone) is not followed out of it.
    (folder / "results" / "outside.txt").symlink_to(folder / "manifest.json")
    answer = service.client.get(
        f"/api/runs/{run_id}/artifacts/{name}", headers=service.auth("alice")
    )
    assert answer.status_code == 404, (name, answer.text[:200])
    assert "run_id" not in answer.text and "sha256" not in answer.text


def test_unsafe_file_types_are_downloads_of_bytes(service: Service) -> None:
    created = service.submit(script=GOOD_SCRIPT, approve=True)
    run_id = created["id"]
    assert service.wait(run_id)["status"] == "succeeded"
    results = service.settings.resolved_runs_dir / run_id / "results"
    (results / "page.html").write_text("<script>alert(1)</script>")
    (results / "chart.svg").write_text("<svg onload='alert(1)'/>")
    for name in ("page.html", "chart.svg"):
        answer = service.client.get(
            f"/api/runs/{run_id}/artifacts/{name}", headers=service.auth("alice")
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/octet-stream"
        assert answer.headers["content-disposition"].startswith("attachment;")
        assert "sandbox" in answer.headers["content-security-policy"]


def test_history_filters_by_status_text_and_date_and_pages(service: Service) -> None:
    first = service.submit(request=USE_CASE_1)
    second = service.submit(script="import os\n", title="bad one")
    third = service.submit(request="Top 3 retail properties by NOI")
    get = service.client.get
    auth = service.auth("alice")
    everything = get("/api/runs", headers=auth).json()
    assert everything["total"] == 3
    assert [r["id"] for r in everything["runs"]] == [third["id"], second["id"], first["id"]]
    held = get("/api/runs", params={"status": "awaiting_approval"}, headers=auth).json()
    assert {r["id"] for r in held["runs"]} == {first["id"], third["id"]}
    text = get("/api/runs", params={"q": "retail"}, headers=auth).json()
    assert [r["id"] for r in text["runs"]] == [third["id"]]
    wildcard = get("/api/runs", params={"q": "%"}, headers=auth).json()
    assert wildcard["total"] == 0
    page = get("/api/runs", params={"limit": 1, "offset": 1}, headers=auth).json()
    assert page["total"] == 3 and [r["id"] for r in page["runs"]] == [second["id"]]
    assert get("/api/runs", params={"since": "2999-01-01"}, headers=auth).json()["total"] == 0
    assert get("/api/runs", params={"until": "2000-01-01"}, headers=auth).json()["total"] == 0
    assert get("/api/runs", params={"since": "2000-01-01"}, headers=auth).json()["total"] == 3
    assert get("/api/runs", params={"limit": 0}, headers=auth).status_code == 422


def test_tools_are_listed(service: Service) -> None:
    tools = service.client.get("/api/tools", headers=service.auth("alice")).json()
    names = {tool["name"] for tool in tools}
    assert {"calculate_dscr", "query_properties"} <= names or "calculate_dscr" in names


def test_concurrent_submissions_of_the_same_request_all_land(service: Service) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as threads:
        created = list(threads.map(lambda _: service.submit(request=USE_CASE_1), range(12)))
    ids = [run["id"] for run in created]
    assert len(set(ids)) == 12
    assert {run["status"] for run in created} == {"awaiting_approval"}
    assert len({run["script"] for run in created}) == 1  # the same plan, the same script
    listed = service.client.get("/api/runs", params={"limit": 50}, headers=service.auth("alice"))
    assert {r["id"] for r in listed.json()["runs"]} == set(ids)


NETWORK_SCRIPT = (
    "from meta_agent.tool_library.external_tools import call_external_api\n"
    "from meta_agent.tool_library.data_tools import write_results_json\n"
    "answer = call_external_api('https://api.example.com/v1/rates')\n"
    "write_results_json({'status_code': answer['status_code']})\n"
)


def test_tools_that_send_data_out_must_be_named_to_approve(service: Service) -> None:
    created = service.submit(script=NETWORK_SCRIPT)
    assert created["status"] == "awaiting_approval", created
    assert created["needs_approval"] == ["call_external_api"]
    assert "sends data out of the sandbox through call_external_api" in created["restatement"]
    run_id = created["id"]
    auth = service.auth("alice")
    unnamed = service.client.post(f"/api/runs/{run_id}/approve", headers=auth)
    assert unnamed.status_code == 409 and "call_external_api" in unnamed.json()["error"]
    wrong = service.client.post(
        f"/api/runs/{run_id}/approve", json={"acknowledge": ["something_else"]}, headers=auth
    )
    assert wrong.status_code == 409
    assert service.get(run_id)["status"] == "awaiting_approval"
    at_once = service.client.post(
        "/api/runs", json={"script": NETWORK_SCRIPT, "approve": True}, headers=auth
    )
    # "approve": true does not skip the naming either: the run is kept, held.
    assert at_once.status_code == 201 and at_once.json()["status"] == "awaiting_approval"
    named = service.client.post(
        f"/api/runs/{run_id}/approve", json={"acknowledge": ["call_external_api"]}, headers=auth
    )
    assert named.status_code == 200
    run = service.wait(run_id)
    assert run["status"] != "awaiting_approval"  # it ran (the host is not allowed: it fails)
    assert run["decisions"][0]["action"] == "approved (sends data out: call_external_api)"


def test_a_users_own_limits_apply_to_their_runs(service: Service) -> None:
    from meta_agent.service.store import ServiceStore

    store: ServiceStore = service.store
    short = store.create_token("fran", limits={"timeout_seconds": 1.5, "memory_mb": 700})
    service.tokens["fran"] = short
    assert store.limits_of("fran") == {"timeout_seconds": 1.5, "memory_mb": 700}
    run_id = service.submit("fran", script=ENDLESS_SCRIPT, approve=True)["id"]
    run = service.wait(run_id, "fran")
    assert run["status"] == "timeout", run
    assert run["resources"]["limits"]["timeout_seconds"] == 1.5
    assert run["resources"]["limits"]["memory_mb"] == 700
    # Everyone else keeps the configured limits.
    other = service.submit(script=GOOD_SCRIPT, approve=True)["id"]
    limits = service.wait(other)["resources"]["limits"]
    assert limits["timeout_seconds"] == service.settings.timeout_seconds
    with pytest.raises(ConfigError, match="positive numbers"):
        store.create_token("gus", limits={"timeout_seconds": -1})
