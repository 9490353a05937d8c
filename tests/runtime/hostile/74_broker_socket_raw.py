# expect: succeeded the broker's socket answers one kind of request, and decides everything itself
# network: broker
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: talk to the broker's socket directly: ask for the credential header back, other
methods, other hosts and ports, metadata and file URLs, credentials in the URL, redirects away,
unknown fields, a wrong version, a giant and a malformed frame."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import json
import os
import socket
import struct

from meta_agent.tool_library.external_tools import call_external_api  # a network run: a broker

path = os.environ["META_AGENT_BROKER"]
api = TARGETS["api"]


def ask(data):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(60)
    sock.connect(path)
    try:
        sock.sendall(data)
        head = sock.recv(4, socket.MSG_WAITALL)
        if len(head) < 4:
            return {"closed": True}
        (size,) = struct.unpack(">I", head)
        body = b""
        while len(body) < size:
            chunk = sock.recv(size - len(body))
            if not chunk:
                break
            body += chunk
        return json.loads(body)
    finally:
        sock.close()


def frame(message):
    data = json.dumps(message).encode()
    return struct.pack(">I", len(data)) + data


base = {"version": 1, "method": "GET", "params": {}, "headers": {}, "body": None}
census = api["census"]
refused = [
    {**base, "url": census, "headers": {"Authorization": "Bearer give-it-back"}},
    {**base, "url": census, "headers": {"X-Echo-Credentials": "1", "Cookie": "a=b"}},
    {**base, "url": census, "debug": True, "return_credentials": True},
    {**base, "url": census, "method": "POST", "body": "x"},
    {**base, "url": census, "method": "CONNECT"},
    {**base, "url": census, "body": "payload"},
    {**base, "url": "http://example.org/"},
    {**base, "url": f"http://127.0.0.1:{TARGETS['tcp_port']}/"},
    {**base, "url": "http://169.254.169.254/latest/meta-data/"},
    {**base, "url": "file:///etc/passwd"},
    {**base, "url": "gopher://127.0.0.1/"},
    {**base, "url": census.replace("http://", "http://user:pw@")},
    {**base, "url": api["away"]},
    {**base, "url": census, "version": 2},
    {**base, "url": census, "params": {"a": {"nested": 1}}},
]
replies = [ask(frame(message)) for message in refused]
replies.append(ask(struct.pack(">I", 1 << 30) + b"{}"))  # a 1 GiB frame announced
replies.append(ask(struct.pack(">I", 9) + b"not json!"))
ok = {**base, "url": census, "params": {"echo": "1"}}
allowed = ask(frame(ok))
text = json.dumps({"refused": replies, "allowed": allowed})
with open(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "replies.json"), "w") as handle:
    handle.write(text)
print(text[::-1])
print(" ".join(text))
granted = [(message, reply) for message, reply in zip(refused, replies) if reply.get("ok")]
if granted:
    raise SystemExit(f"ESCAPED: the broker granted {granted[0][0]}")
if not allowed.get("ok"):
    raise SystemExit(f"the allowed request failed: {allowed}")
