"""The web page's server side: sign-in, fragments, approval, results, edits, and who sees what."""

from __future__ import annotations

import re

from meta_agent.service.pages import SESSION_COOKIE
from tests.service.conftest import GOOD_SCRIPT, USE_CASE_1, Service

HX = {"HX-Request": "true"}


def _sign_in(service: Service, user: str = "alice") -> None:
    service.client.cookies.clear()
    answer = service.client.post(
        "/ui/login", data={"token": service.tokens[user]}, follow_redirects=False
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_sign_in_with_a_token_and_out(service: Service) -> None:
    client = service.client
    start = client.get("/")
    assert start.status_code == 200 and 'name="token"' in start.text
    wrong = client.post("/ui/login", data={"token": "ma_wrong"})
    assert wrong.status_code == 401 and "not valid" in wrong.text
    _sign_in(service)
    page = client.get("/")
    assert "alice" in page.text and 'hx-post="/ui/runs"' in page.text
    assert client.get("/static/htmx.min.js").status_code == 200
    client.post("/ui/logout")
    client.cookies.clear()
    assert 'name="token"' in client.get("/").text


def test_ask_approve_watch_and_read_the_results_on_the_page(service: Service) -> None:
    _sign_in(service)
    client = service.client
    # The cookie alone does not make a state-changing call: a cross-site form could send it.
    assert client.post("/ui/runs", data={"request": USE_CASE_1}).status_code == 401
    assert client.post("/api/runs", json={"request": USE_CASE_1}).status_code == 401

    panel = client.post("/ui/runs", data={"request": USE_CASE_1}, headers=HX)
    assert panel.status_code == 200
    run_id = re.search(r'data-run="([^"]+)"', panel.text).group(1)
    assert "awaiting_approval" in panel.text and "Approve and run" in panel.text
    assert "<span style=" in panel.text  # the script, highlighted by Pygments
    assert "fetch_portfolio_metrics" in panel.text  # the plan's steps

    approved = client.post(f"/ui/runs/{run_id}/approve", headers=HX)
    assert approved.status_code == 200 and f"/api/runs/{run_id}/logs" in approved.text
    # The browser's EventSource sends the cookie with its GET.
    logs = client.get(f"/api/runs/{run_id}/logs")
    assert logs.status_code == 200 and "event: end\ndata: succeeded" in logs.text
    done = client.get(f"/ui/runs/{run_id}").text
    assert 'class="status succeeded"' in done
    assert "dscr_by_property.csv" in done and '<table class="results">' in done
    assert f'href="/api/runs/{run_id}/artifacts/dscr_by_property.csv"' in done
    assert "approved by alice" in done
    history = client.get("/ui/history", params={"q": "DSCR"}).text
    assert run_id in history and "succeeded" in history
    monitor = client.get("/ui/monitor").text
    assert 'class="status succeeded">succeeded</span></td><td>1<' in monitor
    assert "<code>fetch_portfolio_metrics</code></td><td>1<" in monitor
    assert "MB</td>" in monitor


def test_what_a_user_typed_is_escaped(service: Service) -> None:
    _sign_in(service)
    typed = "<script>alert('x')</script> DSCR for all properties"
    panel = service.client.post("/ui/runs", data={"request": typed}, headers=HX).text
    assert "<script>alert" not in panel and "&lt;script&gt;" in panel
    history = service.client.get("/ui/history").text
    assert "<script>alert" not in history


def test_another_users_run_is_not_on_their_page(service: Service) -> None:
    run_id = service.submit(request=USE_CASE_1)["id"]
    _sign_in(service, "bob")
    assert service.client.get(f"/ui/runs/{run_id}").status_code == 404
    assert service.client.post(f"/ui/runs/{run_id}/approve", headers=HX).status_code == 404
    assert run_id not in service.client.get("/ui/history").text
    assert service.get(run_id)["status"] == "awaiting_approval"
    assert service.client.get("/ui/history").status_code == 200
    service.client.cookies.clear()
    assert service.client.get("/ui/history").status_code == 401


def test_an_edited_script_is_validated_recorded_and_run(service: Service) -> None:
    run_id = service.submit(script=GOOD_SCRIPT)["id"]
    auth = service.auth("alice")
    bad = service.client.put(
        f"/api/runs/{run_id}/script", json={"script": "import os\n"}, headers=auth
    )
    assert bad.status_code == 422 and bad.json()["findings"][0]["rule"] == "import"
    assert service.get(run_id)["script"] == GOOD_SCRIPT
    edited = GOOD_SCRIPT.replace("1_250_000.0", "1_500_000.0")
    ok = service.client.put(f"/api/runs/{run_id}/script", json={"script": edited}, headers=auth)
    assert ok.status_code == 200 and ok.json()["script"] == edited
    folder = service.settings.resolved_runs_dir / run_id
    assert (folder / "script.generated.py").read_text() == GOOD_SCRIPT
    assert "+dscr = calculate_dscr(1_500_000.0" in (folder / "script.diff").read_text()
    service.client.post(f"/api/runs/{run_id}/approve", headers=auth)
    run = service.wait(run_id)
    assert run["status"] == "succeeded" and run["summary"] == {"dscr": 1.5}
    assert [d["action"] for d in run["decisions"]] == ["edited", "approved"]
    late = service.client.put(f"/api/runs/{run_id}/script", json={"script": edited}, headers=auth)
    assert late.status_code == 409
