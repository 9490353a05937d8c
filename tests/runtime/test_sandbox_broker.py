"""The network broker: runs using the external tools reach their allowed hosts through the host,
with the key added there, on every backend, and nothing else crosses.

The external API is a real HTTP server on loopback (conftest ``external_api``); the sandboxes
are real (bwrap, the process backend, the warm pool, and a real Docker engine).
"""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from meta_agent.errors import ExternalServiceError
from meta_agent.runtime import Executor, Limits, RunSpec
from meta_agent.runtime.broker import (
    MAX_REQUESTS_PER_RUN,
    Broker,
    Channel,
    Credential,
)
from meta_agent.tool_library.providers.broker_client import broker_fetch
from meta_agent.tool_library.providers.http import HttpPolicy

LIMITS = Limits(timeout_seconds=60, cpu_seconds=30, memory_mb=512, max_processes=32)
FAST = HttpPolicy(connect_timeout=1.0, read_timeout=2.0, backoff_base=0.05, max_attempts=2)

USE_THE_TOOLS = """
import json, os
from meta_agent.tool_library.external_tools import call_external_api, get_demographics

people = get_demographics("Orlando, FL")
plain = call_external_api(os.environ["API_JSON"], {"q": "x"})
echoed = call_external_api(os.environ["META_AGENT_CENSUS_URL"], {"echo": "1"})
out = {"people": people, "plain": plain, "echoed": echoed, "env": dict(os.environ)}
with open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "out.json"), "w") as handle:
    json.dump(out, handle, default=str)
print("population", people["population"])
"""


def _spec(script: Path, run_dir: Path, api: Any, **extra: Any) -> RunSpec:
    census = api.url("/data/acs")
    return RunSpec(
        script,
        run_dir,
        allowed_hosts=[api.host_entry],
        variables={"META_AGENT_CENSUS_URL": census, "API_JSON": api.url("/json")},
        credentials=[Credential(census, "key", api.key)],
        **extra,
    )


def _check_run(run_dir: Path, api: Any) -> dict[str, Any]:
    out = json.loads((run_dir / "results" / "out.json").read_text())
    assert out["people"]["population"] == 309154
    assert out["people"]["source"] == "census_acs"
    assert out["plain"]["data"] == {"ok": 1, "rows": [1, 2, 3]}
    # The API echoed the key it was sent: the broker handed back only the mask.
    assert out["echoed"]["data"]["query"]["key"] == ["***"]
    assert "META_AGENT_BROKER" in out["env"]
    everything = "\n".join(p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file())
    assert api.leaks_in(everything) == []
    log = (run_dir / "logs" / "run.log").read_text()
    assert "broker GET http://127.0.0.1" in log and "-> 200" in log
    return out


@pytest.mark.parametrize(
    "backend",
    [
        "bwrap",
        pytest.param("bwrap-cold", marks=pytest.mark.bwrap),
        "process",
        pytest.param("docker", marks=pytest.mark.docker),
    ],
)
def test_external_tools_run_through_the_broker(
    backend: str,
    external_api: Any,
    make_script: Any,
    run_dir: Path,
    request: pytest.FixtureRequest,
) -> None:
    chosen: Any = backend
    if backend.startswith("bwrap"):
        request.getfixturevalue("bwrap_ok")
    if backend == "docker":  # a real engine: the channel is a volume of the container
        request.getfixturevalue("docker_ok")
    if backend == "bwrap-cold":  # no pre-started launcher: bwrap started for the run
        from meta_agent.runtime.bwrap import BwrapBackend

        chosen = BwrapBackend(prestart=False)
    before = len(external_api.seen)
    with Executor(chosen, LIMITS) as executor:
        result = executor.run(_spec(make_script(USE_THE_TOOLS), run_dir, external_api))
    assert result.status == "succeeded", (run_dir / "logs" / "run.log").read_text()[-3000:]
    _check_run(run_dir, external_api)
    seen = external_api.seen[before:]
    census = [s for s in seen if s["path"] == "/data/acs"]
    # The key reached the API, on the endpoint it is for and nowhere else.
    assert census and all(s["query"]["key"] == [external_api.key] for s in census)
    assert all("key" not in s["query"] for s in seen if s["path"] != "/data/acs")
    assert not any("authorization" in {h.lower() for h in s["headers"]} for s in seen)


def test_the_warm_pool_runs_network_runs_with_their_own_broker(
    bwrap_ok: None, external_api: Any, make_script: Any, tmp_path: Path, sqlite_db: Path
) -> None:
    db = f"sqlite:///{sqlite_db}"
    with Executor("bwrap", LIMITS, pool_size=1, database_url=db) as executor:
        assert executor.pool.wait_ready(120)
        run_dir = tmp_path / "pooled"
        spec = _spec(make_script(USE_THE_TOOLS), run_dir, external_api, database_url=db)
        result = executor.run(spec)
    assert result.backend == "bwrap-pool"
    assert result.status == "succeeded", (run_dir / "logs" / "run.log").read_text()[-3000:]
    _check_run(run_dir, external_api)


@pytest.mark.parametrize("backend", ["bwrap", "process"])
def test_a_run_without_allowed_hosts_has_no_broker(
    backend: str, make_script: Any, run_dir: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "bwrap":
        request.getfixturevalue("bwrap_ok")
    script = make_script(
        "import os\n"
        "from meta_agent.tool_library.external_tools import call_external_api\n"
        "print('broker' , 'META_AGENT_BROKER' in os.environ)\n"
        "try:\n"
        "    call_external_api('http://127.0.0.1:9/x')\n"
        "except Exception as exc:\n"
        "    print('refused', exc)\n"
    )
    with Executor(backend, LIMITS) as executor:
        result = executor.run(RunSpec(script, run_dir))
    log = (run_dir / "logs" / "run.log").read_text()
    assert result.status == "succeeded", log
    assert "broker False" in log and "External calls are turned off" in log


# -- the broker itself ---------------------------------------------------------------------------
@pytest.fixture()
def broker(external_api: Any) -> Any:
    census = external_api.url("/data/acs")
    lines: list[str] = []
    channel = Channel()
    broker = Broker(
        channel,
        [external_api.host_entry],
        [Credential(census, "key", external_api.key)],
        log=lines.append,
        policy=FAST,
        owns_channel=True,
    )
    broker.lines = lines  # type: ignore[attr-defined]
    yield broker
    broker.close()
    assert not channel.folder.exists()


def _request(url: str, **changes: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "method": "GET",
        "url": url,
        "params": {},
        "headers": {},
        "body": None,
        **changes,
    }


def test_broker_decides_everything(broker: Any, external_api: Any) -> None:
    census = external_api.url("/data/acs")
    refused = {
        "method": _request(census, method="POST"),
        "header": _request(census, headers={"Authorization": "Bearer x"}),
        "body": _request(census, body="x"),
        "unknown field": _request(census, debug=True),
        "version": _request(census, version=9),
        "host": _request("http://example.org/"),
        "port": _request("http://127.0.0.1:9/"),
        "scheme": _request("file:///etc/passwd"),
        "userinfo": _request(census.replace("http://", "http://u:p@")),
        "redirect away": _request(external_api.url("/away")),
        "too big": _request(external_api.url("/huge")),
        "params": _request(census, params={"a": {"b": 1}}),
    }
    for why, message in refused.items():
        answer = broker.answer(message)
        assert answer["ok"] is False, why
        assert external_api.key not in json.dumps(answer), why
    assert "capped" in broker.answer(refused["too big"])["error"]
    echoed = broker.answer(_request(census, params={"echo": "1", "key": "mine"}))
    assert echoed["ok"] and echoed["status"] == 200
    import base64

    body = json.loads(base64.b64decode(echoed["body"]))
    assert body["query"]["key"] == ["***"]  # the script's own key replaced, the real one masked
    assert set(echoed["headers"]) <= {"content-type", "content-length"}
    assert echoed["headers"]["content-type"] == "application/json"
    # The key goes to its endpoint only: a sibling path of the same host does not get it.
    sibling = broker.answer(_request(external_api.url("/echo"), params={"x": "1"}))
    assert "key" not in json.loads(base64.b64decode(sibling["body"]))["query"]
    assert all(external_api.key not in line for line in broker.lines)


def test_broker_counts_the_requests_of_a_run(broker: Any, external_api: Any) -> None:
    broker._count = MAX_REQUESTS_PER_RUN
    answer = broker.answer(_request(external_api.url("/json")))
    assert answer["ok"] is False and "most a run may make" in answer["error"]


def test_only_processes_of_the_run_may_connect(broker: Any, external_api: Any) -> None:
    outsider = subprocess.Popen(["sleep", "30"])
    try:
        broker.serve(peer_root=outsider.pid)  # the run is "sleep": the test process is not in it
        with pytest.raises(ExternalServiceError, match="did not answer"):
            broker_fetch(str(broker.channel.socket_path), "GET", external_api.url("/json"), {})
    finally:
        outsider.kill()
        outsider.wait()
    assert any("outside the run" in line for line in broker.lines)


def test_requests_of_the_run_itself_are_answered(broker: Any, external_api: Any) -> None:
    import os

    broker.serve(peer_root=os.getpid())
    results: list[Any] = []

    def call() -> None:
        path = str(broker.channel.socket_path)
        results.append(broker_fetch(path, "GET", external_api.url("/json"), {"q": "1"}))

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [r.status for r in results] == [200, 200, 200]
    assert broker.requests == 3
    assert oct(broker.channel.socket_path.stat().st_mode & 0o777) == "0o600"
    assert oct(broker.channel.folder.stat().st_mode & 0o777) == "0o700"


VALID_SCRIPT = """
from meta_agent.tool_library.data_tools import write_results_json
from meta_agent.tool_library.external_tools import get_demographics

people = get_demographics("Orlando, FL")
write_results_json({"population": people["population"], "source": people["source"]})
"""


def test_a_validated_run_of_the_external_tools_runs_in_bwrap(
    bwrap_ok: None, external_api: Any, tmp_path: Path, sqlite_db: Path
) -> None:
    """The whole path a user takes: settings with the key and allowed host, `meta-agent exec`
    with the validator on, the bwrap sandbox (no network), the broker."""
    from meta_agent.config import Settings
    from meta_agent.pipeline import Pipeline

    settings = Settings(
        database_url=f"sqlite:///{sqlite_db}",
        runs_dir=tmp_path / "runs",
        sandbox="bwrap",
        allowed_hosts=[external_api.host_entry],
        census_url=external_api.url("/data/acs"),
        external_api_key=external_api.key,  # type: ignore[arg-type]
    )
    script = tmp_path / "demographics.py"
    script.write_text(VALID_SCRIPT)
    outcome = Pipeline(settings).exec_script(script)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.summary == {"population": 309154, "source": "census_acs"}
    assert outcome.run_dir is not None
    everything = "\n".join(
        p.read_bytes().decode("utf-8", "replace")
        for p in (tmp_path / "runs").rglob("*")
        if p.is_file()
    )
    assert (outcome.run_dir / "manifest.json").is_file()
    assert external_api.leaks_in(everything) == []


def test_a_source_url_carrying_a_password_is_refused(tmp_path: Path, sqlite_db: Path) -> None:
    from meta_agent.config import Settings
    from meta_agent.pipeline import Pipeline

    settings = Settings(
        database_url=f"sqlite:///{sqlite_db}",
        runs_dir=tmp_path / "runs",
        sandbox="process",
        allowed_hosts=["api.example.org"],
        census_url="https://user:hunter2@api.example.org/acs",
    )
    script = tmp_path / "demographics.py"
    script.write_text(VALID_SCRIPT)
    outcome = Pipeline(settings).exec_script(script)
    assert outcome.status == "failed"
    assert "META_AGENT_CENSUS_URL carries a user name, a password or a query" in (
        outcome.error or ""
    )
    assert outcome.resources == {}  # nothing ran
