"""The sandbox's side of the broker: one HTTP request out, one answer back, over the run's socket.

A script in a sandbox has no network and no credential. A tool that needs either writes one
request (method, URL, query parameters, no secret) to the Unix socket the runtime names in
META_AGENT_BROKER; the broker on the host (``meta_agent.runtime.broker``) checks it, adds the
credential, fetches and answers. Messages are JSON framed by a 4-byte big-endian length, one
request per connection. The framing lives here so that both sides share it.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
from collections.abc import Mapping
from typing import Any

from meta_agent.errors import ExternalServiceError

PROTOCOL_VERSION = 1
LENGTH = struct.Struct(">I")
# A request is a URL and a few parameters; an answer is at most the 5 MiB body, base64-encoded.
MAX_REQUEST_BYTES = 64 * 1024
MAX_ANSWER_BYTES = 8 * 1024 * 1024
# The broker retries and backs off within the http policy (about two minutes at worst); past
# this the run's own wall clock is the limit that matters.
ANSWER_TIMEOUT_SECONDS = 180.0


def send_message(sock: socket.socket, message: Mapping[str, Any]) -> None:
    """Write one length-prefixed JSON message."""
    data = json.dumps(message, separators=(",", ":")).encode("utf-8")
    sock.sendall(LENGTH.pack(len(data)) + data)


def receive_message(sock: socket.socket, max_bytes: int) -> dict[str, Any]:
    """Read one length-prefixed JSON object; ValueError when it is too big or malformed."""
    (size,) = LENGTH.unpack(_read_exactly(sock, LENGTH.size))
    if size > max_bytes:
        raise ValueError(f"message of {size} bytes is over the {max_bytes}-byte limit")
    message = json.loads(_read_exactly(sock, size).decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("a message must be a JSON object")
    return message


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = sock.recv(min(remaining, 1024 * 1024))
        if not chunk:
            raise ValueError("the connection closed in the middle of a message")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def broker_fetch(path: str, method: str, url: str, params: Mapping[str, str | list[str]]) -> Any:
    """Ask the broker at ``path`` for ``url``; the answer as ``http.Fetched``."""
    from meta_agent.tool_library.providers.http import Fetched

    request = {
        "version": PROTOCOL_VERSION,
        "method": method,
        "url": url,
        "params": dict(params),
        "headers": {},
        "body": None,
    }
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(ANSWER_TIMEOUT_SECONDS)
            sock.connect(path)
            send_message(sock, request)
            answer = receive_message(sock, MAX_ANSWER_BYTES)
    except (OSError, ValueError) as exc:
        raise ExternalServiceError(
            f"The run's network broker did not answer ({type(exc).__name__}: {exc}); external "
            "calls from a sandbox go through it, so the run cannot reach the network."
        ) from None
    if not answer.get("ok"):
        raise ExternalServiceError(str(answer.get("error") or "The broker refused the request."))
    try:
        return Fetched(
            url=str(answer["url"]),
            status=int(answer["status"]),
            reason=str(answer.get("reason", "")),
            headers={str(k): str(v) for k, v in dict(answer.get("headers", {})).items()},
            body=base64.b64decode(answer["body"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ExternalServiceError(f"The broker's answer was malformed ({exc}).") from None
