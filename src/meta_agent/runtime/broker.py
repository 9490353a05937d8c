"""The network broker: a run's only way out, held on the host by the process that supervises it.

A sandbox has no network and no secret, on every backend. A tool that needs either (the external
tools) sends one request across the run's channel: a Unix socket in a private folder made for the
run and bound into its sandbox (bwrap ``--ro-bind``, a Docker volume, the path itself for the
process backend), named by META_AGENT_BROKER. The broker, a thread of the supervising process,
decides: one method (GET), only the run's allowed hosts (META_AGENT_ALLOWED_HOSTS), no
credentials or headers from the script, a bounded request, answers capped in size and time,
retries and Retry-After as ``providers.http.fetch`` does them. It adds the run's credentials
itself (an API key to the one endpoint configured for it), scrubs their values from whatever comes
back, and answers with the status, a few headers and the body. A connection whose peer is not a
process of the run is refused (SO_PEERCRED), so another user's or another run's process cannot
borrow it. What the script never holds, it cannot print reversed, spaced or into results/.

What it does not protect against: an allowed service that hands a credential back transformed
(encoded, reversed), since only the plain and URL/JSON-escaped forms are scrubbed; and anything an
allowed host is told in a request the script composes (the script chooses the query, the broker
the destination).
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import struct
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from meta_agent.errors import ConfigError, MetaAgentError
from meta_agent.runtime.channel import SANDBOX_BROKER_SOCKET as SANDBOX_BROKER_SOCKET
from meta_agent.runtime.channel import Channel
from meta_agent.runtime.redact import Redactor
from meta_agent.tool_library.providers.broker_client import (
    MAX_REQUEST_BYTES,
    PROTOCOL_VERSION,
    receive_message,
    send_message,
)

ALLOWED_METHODS = frozenset({"GET"})
# Header names a script may send; the broker sets Accept and User-Agent itself, and nothing that
# authenticates (Authorization, Cookie, Proxy-*) ever comes from the sandbox.
ALLOWED_HEADERS = frozenset({"accept", "accept-language"})
MAX_PARAMS = 64
MAX_CONCURRENT = 4  # requests in flight per run; more wait for an answer "busy"
MAX_REQUESTS_PER_RUN = 500  # a script that loops on the network is stopped short of abuse
REQUEST_READ_TIMEOUT_SECONDS = 10.0
_UCRED = struct.Struct("3i")


@dataclass(frozen=True)
class Credential:
    """A secret the broker adds to requests for one endpoint; it never enters the sandbox.

    ``url`` is the endpoint exactly (scheme, host, port and path; a trailing slash does not
    matter), ``param`` the query parameter it goes in (e.g. the Census API's ``key``).
    """

    url: str
    param: str
    value: str = field(repr=False)


class BrokerRefused(MetaAgentError):
    """A request the broker will not make; the message goes back to the script."""


def _endpoint(url: str) -> tuple[str, str, int | None, str] | None:
    import httpx

    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError):
        return None
    return parsed.scheme, parsed.host.lower(), parsed.port, parsed.path.rstrip("/")


class Broker:
    """Serves one run's requests on its channel until ``close``.

    Args:
        channel: where to listen.
        allowed_hosts: the run's allow-list (``name``, ``name:port`` or ``*.domain``).
        credentials: added by the broker to the requests they are for.
        log: one line per request for the run's log (redacted there as well).
        policy: the http limits (``providers.http.HttpPolicy``; default: the module's).
    """

    def __init__(
        self,
        channel: Channel,
        allowed_hosts: Sequence[str],
        credentials: Sequence[Credential] = (),
        *,
        log: Callable[[str], None] | None = None,
        policy: Any = None,
        owns_channel: bool = False,
    ) -> None:
        from meta_agent.tool_library.providers.http import DEFAULT_POLICY, _normalise_entry

        self.channel = channel
        self.owns_channel = owns_channel
        self.entries = [e for e in (_normalise_entry(h) for h in allowed_hosts) if e]
        self.credentials = tuple(credentials)
        self.policy = policy or DEFAULT_POLICY
        self.redact = Redactor([c.value for c in self.credentials])
        self._log = log or (lambda line: None)
        self._peer_root: int | None = None
        self._check_peer = True
        self._slots = threading.BoundedSemaphore(MAX_CONCURRENT)
        self._count = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        path = channel.socket_path
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._sock.bind(str(path))
        path.chmod(0o600)
        self._sock.listen(16)

    # -- life ---------------------------------------------------------------------------------
    def serve(self, peer_root: int | None) -> None:
        """Start answering; only processes descending from ``peer_root`` may ask.

        None turns the peer check off, for a backend whose processes the host cannot see as
        its own descendants (Docker's): its channel is bound into that one container only.
        """
        self._peer_root = peer_root
        self._check_peer = peer_root is not None
        self._thread = threading.Thread(target=self._accept_loop, name="meta-agent-broker")
        self._thread.daemon = True
        self._thread.start()

    def close(self) -> None:
        """Stop listening; requests in flight are abandoned (their sandbox is gone)."""
        self._closed.set()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        if self._thread is not None:
            self._thread.join(2)
        with contextlib.suppress(OSError):
            self.channel.socket_path.unlink()
        if self.owns_channel:
            self.channel.remove()

    @property
    def requests(self) -> int:
        return self._count

    # -- serving ------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if not self._peer_allowed(conn):
                self._log("refused a connection from a process outside the run")
                conn.close()
                continue
            if not self._slots.acquire(blocking=False):
                self._answer(conn, {"ok": False, "error": "Too many external calls at once."})
                conn.close()
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _peer_allowed(self, conn: socket.socket) -> bool:
        if not self._check_peer:
            return True
        try:
            raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
        except OSError:
            return False
        pid, uid, _ = _UCRED.unpack(raw)
        if uid != os.getuid() or pid <= 0:
            return False
        return _descends_from(pid, self._peer_root)

    def _handle(self, conn: socket.socket) -> None:
        try:
            with conn:
                conn.settimeout(REQUEST_READ_TIMEOUT_SECONDS)
                try:
                    request = receive_message(conn, MAX_REQUEST_BYTES)
                except (OSError, ValueError, UnicodeDecodeError) as exc:
                    self._log(f"refused a malformed request ({exc})")
                    self._answer(conn, {"ok": False, "error": f"Malformed request: {exc}."})
                    return
                conn.settimeout(None)
                self._answer(conn, self.answer(request))
        finally:
            self._slots.release()

    def _answer(self, conn: socket.socket, message: Mapping[str, Any]) -> None:
        with contextlib.suppress(OSError):
            send_message(conn, message)

    def answer(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The reply to one request: the fetched answer, scrubbed, or the reason for refusing."""
        from meta_agent.errors import ExternalServiceError
        from meta_agent.tool_library.providers.http import fetch

        with self._lock:
            self._count += 1
            count = self._count
        described = "request"
        try:
            if count > MAX_REQUESTS_PER_RUN:
                raise BrokerRefused(
                    f"This run already made {MAX_REQUESTS_PER_RUN} external calls, the most a "
                    "run may make; fetch less, or in fewer calls."
                )
            method, url, params = self._checked(request)
            described = f"{method} {self.redact(_without_query(url))}"
            fetched = fetch(
                url,
                params,
                entries=self.entries,
                policy=self.policy,
                added_params=self._credential_params(url),
            )
        except (BrokerRefused, ExternalServiceError) as exc:
            message = self.redact(str(exc))
            self._log(f"broker refused {described}: {message}")
            return {"ok": False, "error": message}
        except Exception as exc:  # noqa: BLE001 - the run gets an answer, the host keeps going
            message = self.redact(f"{type(exc).__name__}: {exc}")
            self._log(f"broker failed on {described}: {message}")
            return {"ok": False, "error": f"The broker could not make the request ({message})."}
        body = self.redact.scrub_bytes(fetched.body)
        self._log(f"broker {described} -> {fetched.status} ({len(body)} bytes)")
        return {
            "ok": True,
            "url": self.redact(fetched.url),
            "status": fetched.status,
            "reason": self.redact(fetched.reason),
            "headers": {name: self.redact(value) for name, value in fetched.headers.items()},
            "body": base64.b64encode(body).decode("ascii"),
        }

    def _checked(self, request: Mapping[str, Any]) -> tuple[str, str, dict[str, str | list[str]]]:
        if request.get("version") != PROTOCOL_VERSION:
            raise BrokerRefused(f"Unknown broker protocol version {request.get('version')!r}.")
        unknown = set(request) - {"version", "method", "url", "params", "headers", "body"}
        if unknown:
            raise BrokerRefused(f"Unknown request fields: {', '.join(sorted(unknown))}.")
        method = request.get("method")
        if method not in ALLOWED_METHODS:
            raise BrokerRefused(
                f"Method {method!r} is not allowed; external calls may only "
                f"{', '.join(sorted(ALLOWED_METHODS))}."
            )
        url = request.get("url")
        if not isinstance(url, str) or len(url) > 4096:
            raise BrokerRefused("The URL must be a string of at most 4096 characters.")
        headers = request.get("headers") or {}
        if not isinstance(headers, dict):
            raise BrokerRefused("headers must be an object.")
        refused = sorted(str(name) for name in headers if str(name).lower() not in ALLOWED_HEADERS)
        if refused:
            raise BrokerRefused(
                f"Header(s) {', '.join(refused)} may not be sent from a sandbox; the broker adds "
                "any credential a request needs itself."
            )
        if request.get("body") not in (None, "", b""):
            raise BrokerRefused("A GET request has no body.")
        raw = request.get("params") or {}
        if not isinstance(raw, dict) or len(raw) > MAX_PARAMS:
            raise BrokerRefused(f"params must be an object of at most {MAX_PARAMS} entries.")
        params: dict[str, str | list[str]] = {}
        for name, value in raw.items():
            if isinstance(value, str):
                params[str(name)] = value
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                params[str(name)] = list(value)
            else:
                raise BrokerRefused(f"Parameter {name!r} must be a string or a list of strings.")
        return method, url, params

    def _credential_params(self, url: str) -> dict[str, str]:
        """The credentials for exactly this endpoint (the script cannot point them elsewhere)."""
        target = _endpoint(url)
        if target is None:
            return {}
        return {c.param: c.value for c in self.credentials if _endpoint(c.url) == target}


def _without_query(url: str) -> str:
    return url.split("?", 1)[0][:200]


def _descends_from(pid: int, root: int | None) -> bool:
    """Whether host process ``pid`` is ``root`` or one of its descendants."""
    if root is None:
        return False
    import psutil

    try:
        process: psutil.Process | None = psutil.Process(pid)
        for _ in range(64):
            if process is None:
                return False
            if process.pid == root:
                return True
            process = process.parent()
    except psutil.Error:
        return False
    return False


def open_broker(
    allowed_hosts: Sequence[str],
    credentials: Sequence[Credential],
    log: Callable[[str], None],
    channel: Channel | None = None,
) -> Broker | None:
    """A listening broker for a run that may use the network (None when it may not)."""
    if not allowed_hosts:
        return None
    owned = channel is None
    return Broker(channel or Channel(), allowed_hosts, credentials, log=log, owns_channel=owned)


def tool_access(settings: Any) -> dict[str, Any]:
    """What a network run's tools get from ``config.Settings``, as RunSpec arguments.

    ``variables``: the online sources' URLs (plain settings, in the sandbox; refused when they
    carry a user name or password). ``credentials``: the external API key, for the broker to add
    to requests for the Census endpoint (``key``, as the Census API wants it), never the sandbox.
    """
    variables: dict[str, str] = {}
    for name, value in (
        ("GEOCODER_URL", settings.geocoder_url),
        ("CENSUS_URL", settings.census_url),
    ):
        if value:
            if "@" in value.split("://", 1)[-1].split("/", 1)[0] or "?" in value or "#" in value:
                raise ConfigError(
                    f"META_AGENT_{name} carries a user name, a password or a query (which may "
                    "hold a key); credentials never go in URLs. Give the base URL only, and put "
                    "an API key in META_AGENT_EXTERNAL_API_KEY."
                )
            variables[f"META_AGENT_{name}"] = value
    credentials: list[Credential] = []
    if settings.external_api_key is not None and settings.census_url:
        key = settings.external_api_key.get_secret_value()
        credentials.append(Credential(settings.census_url, "key", key))
    return {"variables": variables, "credentials": credentials}
