"""``meta-agent ask --detach`` queues a run on a real server; ``runs watch`` follows it."""

from __future__ import annotations

import json

import pytest

from tests.service.conftest import USE_CASE_1


def test_ask_detach_then_watch(
    cli,  # noqa: ANN001
    live_server: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, token = live_server
    monkeypatch.setenv("META_AGENT_SERVICE_URL", url)
    monkeypatch.setenv("META_AGENT_SERVICE_TOKEN", token)
    queued = cli("ask", USE_CASE_1, "--detach")
    assert queued.code == 0, queued.stderr
    run_id = queued.stdout.strip()
    assert "runs watch" in queued.stderr

    watched = cli("runs", "watch", run_id)
    assert watched.code == 0, watched.stderr
    assert "finished: succeeded" in watched.stderr  # the log, as it was written
    assert watched.stdout.startswith(f"{run_id}: succeeded")
    assert "dscr_by_property.csv" in watched.stdout
    as_json = json.loads(cli("runs", "watch", run_id, "--json").stdout)
    assert as_json["status"] == "succeeded" and as_json["summary"]

    refused = cli("ask", "drop table loans", "--detach", "--json")
    assert refused.code == 3 and json.loads(refused.stdout)["status"] == "rejected"
    assert cli("runs", "watch", "no-such-run").code == 1


def test_detach_errors_say_what_to_do(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("META_AGENT_SERVICE_URL", "http://127.0.0.1:9")
    no_token = cli("ask", USE_CASE_1, "--detach")
    assert no_token.code == 2 and "META_AGENT_SERVICE_TOKEN" in no_token.stderr
    unreachable = cli("ask", USE_CASE_1, "--detach", "--token", "ma_x")
    assert unreachable.code == 2 and "Cannot reach the service at http://127.0.0.1:9" in (
        unreachable.stderr
    )
