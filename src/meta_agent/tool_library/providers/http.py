"""One guarded HTTP GET for external tools: allow-listed host, bounded time, size and retries, JSON.

Two transports, one policy. Outside a sandbox ``get_json`` calls ``fetch`` itself. Inside one
(META_AGENT_BROKER names a socket) it holds no network and no credential: the request crosses the
run's channel to the broker on the host (runtime/broker.py), which calls ``fetch`` with the
allow-list, limits and credentials of the run and sends back the answer; only the JSON decoding
happens in the sandbox.

What this does not protect against: a DNS name on the allow-list that resolves to an internal
address (the allow-list is checked on names, not on addresses), and a slow server that trickles
bytes just inside the read timeout (the size cap bounds it, a total deadline does not).
"""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from meta_agent import __version__
from meta_agent.errors import ConfigError, ExternalServiceError

if TYPE_CHECKING:
    import ssl

    import httpx

logger = logging.getLogger(__name__)

ALLOWED_HOSTS_ENV = "META_AGENT_ALLOWED_HOSTS"
API_KEY_ENV = "META_AGENT_EXTERNAL_API_KEY"
BROKER_ENV = "META_AGENT_BROKER"  # the broker's socket, set by the runtime for a network run

# A public API that has not connected in 5 s is down or blocked; one that takes more than 20 s to
# answer a single lookup will not do better on a retry.
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 20.0
# One try and three retries, waiting 0.5, 1 and 2 s: enough to ride out a restart or a burst limit.
MAX_ATTEMPTS = 4
BACKOFF_BASE_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
# A server asking us to come back later than this is not going to answer within a script's run.
MAX_RETRY_AFTER_SECONDS = 30.0
# Geocoder and census answers are kilobytes; 5 MiB leaves room and keeps a sandbox's memory safe.
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Query parameters whose values never appear in results, logs or error messages.
SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "token", "access_token", "secret"})


@dataclass(frozen=True)
class HttpPolicy:
    """The limits of one external call; the defaults are the module's named constants."""

    connect_timeout: float = CONNECT_TIMEOUT_SECONDS
    read_timeout: float = READ_TIMEOUT_SECONDS
    max_attempts: int = MAX_ATTEMPTS
    backoff_base: float = BACKOFF_BASE_SECONDS
    max_backoff: float = MAX_BACKOFF_SECONDS
    max_retry_after: float = MAX_RETRY_AFTER_SECONDS
    max_bytes: int = MAX_RESPONSE_BYTES
    max_redirects: int = MAX_REDIRECTS

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.max_backoff, self.backoff_base * 2 ** (attempt - 1)))


DEFAULT_POLICY = HttpPolicy()
# Answer headers worth passing on (the rest stay with whoever fetched).
KEPT_HEADERS = ("content-type", "content-length")


@dataclass(frozen=True)
class Fetched:
    """A final answer (after retries and redirects): what crosses back from the broker."""

    url: str  # the URL answered, secret query values masked
    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes


def allowed_hosts(environ: Mapping[str, str] | None = None) -> list[str]:
    """The allow-list from META_AGENT_ALLOWED_HOSTS: a JSON list or comma-separated names."""
    raw = (os.environ if environ is None else environ).get(ALLOWED_HOSTS_ENV, "").strip()
    if not raw:
        return []
    if raw[0] in '[{"':
        try:
            entries = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{ALLOWED_HOSTS_ENV} is not valid JSON ({exc.msg}); use a JSON list such as "
                '["api.census.gov"] or comma-separated names such as api.census.gov,example.org.'
            ) from None
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ConfigError(f"{ALLOWED_HOSTS_ENV} must be a JSON list of host names.")
    else:
        entries = raw.replace(";", ",").split(",")
    return [entry for entry in (_normalise_entry(e) for e in entries) if entry]


def _normalise_entry(entry: str) -> str:
    entry = entry.strip().lower()
    if "://" in entry:  # someone pasted a URL: keep its host[:port]
        entry = entry.split("://", 1)[1]
    return entry.split("/", 1)[0]


def host_allowed(host: str, port: int | None, entries: Sequence[str]) -> bool:
    """True when ``host`` (and ``port``) matches an entry: ``name``, ``name:port`` or ``*.domain``."""
    host = host.lower().rstrip(".")
    for entry in entries:
        name, entry_port = _split_host_port(entry)
        if entry_port is not None and entry_port != port:
            continue
        if name.startswith("*."):
            if host.endswith(name[1:]) and host != name[2:]:
                return True
        elif host == name:
            return True
    return False


def _split_host_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [::1] or [::1]:8080
        name, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        name, port = entry.split(":")
    else:
        name, port = entry, ""
    return name, int(port) if port.isdigit() else None


def check_url(endpoint: str, entries: Sequence[str]) -> httpx.URL:
    """The parsed URL, or ExternalServiceError when its scheme, credentials or host are not allowed."""
    import httpx

    if not isinstance(endpoint, str):
        raise TypeError(f"endpoint must be a URL string, not {type(endpoint).__name__}")
    try:
        url = httpx.URL(endpoint.strip())
    except httpx.InvalidURL as exc:
        raise ExternalServiceError(f"{endpoint!r} is not a valid URL ({exc}).") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ExternalServiceError(
            f"{_shown(url)} is not an http(s) URL with a host; external calls accept "
            "http:// and https:// URLs only."
        )
    if url.userinfo:
        raise ExternalServiceError(
            f"The URL for {url.host} carries a user name or password; credentials in URLs are "
            f"refused. Put an API key in {API_KEY_ENV} instead."
        )
    if not entries:
        raise ExternalServiceError(
            f"External calls are turned off: no host is allowed, so {url.host} cannot be "
            f"reached. Add it to {ALLOWED_HOSTS_ENV} (a JSON list or comma-separated names)."
        )
    if not host_allowed(url.host, url.port, entries):
        raise ExternalServiceError(
            f"Host {url.host} is not on the allow-list ({', '.join(entries)}); add it to "
            f"{ALLOWED_HOSTS_ENV} to let external tools reach it."
        )
    return url


def get_json(
    endpoint: str,
    params: Mapping[str, Any] | None = None,
    policy: HttpPolicy = DEFAULT_POLICY,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """GET an allow-listed URL and return ``{"url", "status_code", "data"}`` with the decoded JSON.

    In a sandbox the request goes through the run's broker (the host decides and fetches);
    elsewhere it is fetched here under the same policy.
    """
    env = os.environ if environ is None else environ
    if not isinstance(endpoint, str):
        raise TypeError(f"endpoint must be a URL string, not {type(endpoint).__name__}")
    query = _query_params(params) if params else {}
    broker = env.get(BROKER_ENV, "").strip()
    if broker:
        from meta_agent.tool_library.providers.broker_client import broker_fetch

        fetched = broker_fetch(broker, "GET", endpoint, query)
    else:
        fetched = fetch(endpoint, query, entries=allowed_hosts(env), policy=policy)
    return _decode(fetched)


def fetch(
    endpoint: str,
    params: Mapping[str, str | list[str]] | None = None,
    *,
    entries: Sequence[str],
    policy: HttpPolicy = DEFAULT_POLICY,
    added_params: Mapping[str, str] | None = None,
) -> Fetched:
    """GET ``endpoint`` on an allowed host: retries, same-origin redirects, size cap, no decoding.

    ``added_params`` (a credential the caller holds) replace any parameter of the same name.
    Errors of the call itself (refused host, too big, retries exhausted) raise
    ExternalServiceError; an answer with any other status is returned for the caller to judge.
    """
    import httpx

    url = check_url(endpoint, entries)
    if params:
        url = url.copy_merge_params(dict(params))
    if added_params:
        kept = [(n, v) for n, v in url.params.multi_items() if n not in added_params]
        url = url.copy_with(params=[*kept, *added_params.items()])
    timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
    headers = {"Accept": "application/json", "User-Agent": f"meta-agent/{__version__}"}
    # trust_env=False: no proxy, netrc or certificate settings picked up from the environment.
    with httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers=headers,
        verify=_tls_context(),
    ) as client:
        for attempt in range(1, policy.max_attempts + 1):
            last = attempt == policy.max_attempts
            try:
                final_url, response, body = _get_following(client, url, entries, policy)
            except (httpx.NetworkError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                # Refused, reset or dropped connections: a GET is safe to send again.
                if last:
                    raise ExternalServiceError(
                        f"Could not get an answer from {url.host} after {attempt} attempts "
                        f"({type(exc).__name__}: {exc}); check that the service is up and "
                        "reachable from here, then try again."
                    ) from None
                _wait(url, attempt, policy.backoff(attempt), f"{type(exc).__name__}")
                continue
            except httpx.TimeoutException:
                raise ExternalServiceError(
                    f"{url.host} did not answer {url.path} within {policy.read_timeout:g} s; "
                    "the service is slow or overloaded, try again later."
                ) from None
            except httpx.HTTPError as exc:
                raise ExternalServiceError(
                    f"The request to {url.host}{url.path} failed ({type(exc).__name__}: {exc})."
                ) from None
            status = response.status_code
            if status == 429 or status >= 500:
                if last:
                    raise ExternalServiceError(
                        f"{url.host} still answered {status} {response.reason_phrase} for "
                        f"{url.path} after {attempt} attempts; the service is unavailable or "
                        "rate-limiting us, try again later."
                    )
                _wait(url, attempt, _retry_delay(url, response, attempt, policy), str(status))
                continue
            kept_headers = {
                name: response.headers[name] for name in KEPT_HEADERS if name in response.headers
            }
            return Fetched(_shown(final_url), status, response.reason_phrase, kept_headers, body)
    raise AssertionError("unreachable: the retry loop always returns or raises")  # pragma: no cover


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """httpx's default verification, built once: building it costs ~50 ms, which a broker
    answering many calls of a run would otherwise pay on each."""
    import httpx

    return httpx.create_ssl_context()


def _query_params(params: Mapping[str, Any]) -> dict[str, str | list[str]]:
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of query parameters, not {type(params).__name__}")
    query: dict[str, str | list[str]] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            query[str(name)] = [_query_value(name, v) for v in value]
        else:
            query[str(name)] = _query_value(name, value)
    return query


def _query_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise TypeError(
        f"query parameter {name!r} must be a string or number, not {type(value).__name__}"
    )


def _get_following(
    client: httpx.Client, url: httpx.URL, entries: Sequence[str], policy: HttpPolicy
) -> tuple[httpx.URL, httpx.Response, bytes]:
    """One attempt: GET, following redirects only within the same host and scheme."""
    current = url
    for _ in range(policy.max_redirects + 1):
        with client.stream("GET", current) as response:
            if response.status_code in REDIRECT_STATUSES:
                current = _redirect_target(current, response, entries)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                return current, response, b""
            return current, response, _read_capped(current, response, policy.max_bytes)
    raise ExternalServiceError(
        f"{url.host} redirected more than {policy.max_redirects} times for {url.path}; "
        "call the final URL directly."
    )


def _redirect_target(
    current: httpx.URL, response: httpx.Response, entries: Sequence[str]
) -> httpx.URL:
    location = response.headers.get("location")
    if not location:
        raise ExternalServiceError(
            f"{current.host} answered {response.status_code} for {current.path} without a "
            "Location to go to; check the endpoint URL."
        )
    target = current.join(location)
    same_origin = (
        target.host == current.host
        and target.port == current.port
        and target.scheme in (current.scheme, "https")
    )
    if not same_origin:
        raise ExternalServiceError(
            f"{current.host} redirected {current.path} to {target.scheme}://{target.host}; "
            "redirects to another host (or from https to http) are not followed. Call that "
            f"URL directly if its host should be allowed ({ALLOWED_HOSTS_ENV})."
        )
    check_url(str(target), entries)
    return target


def _read_capped(url: httpx.URL, response: httpx.Response, max_bytes: int) -> bytes:
    too_big = (
        f"{url.host} sent more than {max_bytes:,} bytes for {url.path}; external answers are "
        "capped at that size. Ask for less (narrower parameters) or use a bulk download."
    )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ExternalServiceError(too_big)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ExternalServiceError(too_big)
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_delay(
    url: httpx.URL, response: httpx.Response, attempt: int, policy: HttpPolicy
) -> float:
    asked = _parse_retry_after(response.headers.get("retry-after"))
    if asked is None:
        return policy.backoff(attempt)
    if asked > policy.max_retry_after:
        raise ExternalServiceError(
            f"{url.host} answered {response.status_code} and asked us to retry after "
            f"{asked:g} s, longer than the {policy.max_retry_after:g} s external tools wait; "
            "try again later."
        )
    return asked


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _wait(url: httpx.URL, attempt: int, seconds: float, reason: str) -> None:
    logger.info(
        "retrying external call",
        extra={"host": url.host, "attempt": attempt, "reason": reason, "wait_seconds": seconds},
    )
    time.sleep(seconds)


def _decode(fetched: Fetched) -> dict[str, Any]:
    import httpx

    url = httpx.URL(fetched.url)
    status, body = fetched.status, fetched.body
    where = f"{url.host}{url.path}"
    if status >= 400:
        hint = {
            401: f"check the API key in {API_KEY_ENV}",
            403: f"check the API key in {API_KEY_ENV} and that it may use this endpoint",
            404: "check the endpoint URL",
        }.get(status, "check the parameters sent")
        raise ExternalServiceError(
            f"{url.host} answered {status} {fetched.reason} for {url.path}; {hint}.{_snippet(body)}"
        )
    if status >= 300:
        raise ExternalServiceError(
            f"{where} answered {status}, which external tools do not handle."
        )
    content_type = fetched.headers.get("content-type", "(none)").split(";")[0].strip()
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ExternalServiceError(
            f"{where} answered with {content_type} that is not JSON; external tools accept "
            f"JSON answers only, so check that the endpoint is a JSON API.{_snippet(body)}"
        ) from None
    return {"url": fetched.url, "status_code": status, "data": data}


def _snippet(body: bytes) -> str:
    text = " ".join(body[:200].decode("utf-8", errors="replace").split())
    return f" The service said: {text!r}." if text else ""


def _shown(url: httpx.URL) -> str:
    """The URL with secret query values masked, for results, logs and messages."""
    if not url.query:
        return str(url)
    masked = [
        (name, "***" if name.lower() in SECRET_PARAMS else value)
        for name, value in url.params.multi_items()
    ]
    return str(url.copy_with(params=masked))
