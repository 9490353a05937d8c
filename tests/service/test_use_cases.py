"""Issue 11's "done when": the four use cases asked, approved, watched and downloaded by their
owner through the API and the page, and nobody else can see them."""

from __future__ import annotations

import re

import pytest

from meta_agent.service.files import SAFE_TYPES
from tests.service.conftest import USE_CASE_1, Service

USE_CASES = {
    "dscr": (USE_CASE_1, {"dscr_by_property.csv", "at_risk_properties.csv"}),
    "peers": (
        "Compare Orlando Fashion Square performance against 5 similar properties",
        {"comparison.csv", "comparison.png"},
    ),
    "stress": (
        "Run DSCR scenarios with 10%, 20%, 30% NOI decrease for all properties",
        {"scenario_results.csv", "scenario_comparison.png"},
    ),
    "report": (
        "Generate monthly performance report for executive team",
        {"executive_report.pdf", "executive_report.xlsx", "dscr_by_property.png"},
    ),
}


@pytest.mark.parametrize("case", list(USE_CASES))
def test_a_use_case_is_asked_approved_watched_and_downloaded_by_its_owner_only(
    service: Service, case: str
) -> None:
    request, expected = USE_CASES[case]
    held = service.submit(request=request)
    assert held["status"] == "awaiting_approval", held
    assert held["restatement"] and held["plan"]["steps"] and "import" in held["script"]
    run_id = held["id"]

    approved = service.client.post(f"/api/runs/{run_id}/approve", headers=service.auth("alice"))
    assert approved.status_code == 200, approved.text
    run = service.wait(run_id)
    assert run["status"] == "succeeded", run["error"]
    assert expected <= set(run["artifacts"]) and run["summary"]
    assert [(d["action"], d["actor"]) for d in run["decisions"]] == [("approved", "alice")]
    logs = service.client.get(f"/api/runs/{run_id}/logs", headers=service.auth("alice"))
    assert "finished: succeeded" in logs.text and "event: end\ndata: succeeded" in logs.text

    for name in run["artifacts"]:
        url = f"/api/runs/{run_id}/artifacts/{name}"
        got = service.client.get(url, headers=service.auth("alice"))
        assert got.status_code == 200 and got.content, name
        suffix = name[name.rindex(".") :]
        assert got.headers["content-type"] == SAFE_TYPES[suffix]
        assert got.headers["content-disposition"].startswith("attachment;")
        assert service.client.get(url, headers=service.auth("bob")).status_code == 404
        assert service.client.get(url, headers=service.auth("admin")).status_code == 200
    for path in ("", "/logs"):
        assert (
            service.client.get(f"/api/runs/{run_id}{path}", headers=service.auth("bob")).status_code
            == 404
        )
    assert service.client.get("/api/runs", headers=service.auth("bob")).json()["total"] == 0
    everyone = service.client.get("/api/runs", headers=service.auth("admin")).json()
    assert [r["id"] for r in everyone["runs"]] == [run_id]

    # The page: the key figures, and every chart shown through the owner-checked endpoint.
    service.client.cookies.clear()
    service.client.post("/ui/login", data={"token": service.tokens["alice"]})
    panel = service.client.get(f"/ui/runs/{run_id}").text
    assert 'class="status succeeded"' in panel and '<dl class="figures">' in panel
    charts = sorted(name for name in run["artifacts"] if name.endswith(".png"))
    shown = sorted(re.findall(rf'<img src="/api/runs/{run_id}/artifacts/([^"]+)"', panel))
    assert shown == charts and (charts or case == "dscr")
    service.client.cookies.clear()
    service.client.post("/ui/login", data={"token": service.tokens["bob"]})
    assert service.client.get(f"/ui/runs/{run_id}").status_code == 404
    for name in charts:
        assert service.client.get(f"/api/runs/{run_id}/artifacts/{name}").status_code == 404
