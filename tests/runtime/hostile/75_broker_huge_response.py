# expect: succeeded an answer over the cap is refused by the broker, never handed over
# network: broker
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: ask the broker for an endless answer, through the tool and through the socket."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import json
import os
import socket
import struct

from meta_agent.tool_library.external_tools import call_external_api

try:
    answer = call_external_api(TARGETS["api"]["huge"])
    raise SystemExit(f"ESCAPED: {len(json.dumps(answer))} bytes handed over")
except Exception as exc:
    print("refused:", exc)
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.settimeout(60)
sock.connect(os.environ["META_AGENT_BROKER"])
data = json.dumps(
    {
        "version": 1,
        "method": "GET",
        "url": TARGETS["api"]["huge"],
        "params": {},
        "headers": {},
        "body": None,
    }
).encode()
sock.sendall(struct.pack(">I", len(data)) + data)
(size,) = struct.unpack(">I", sock.recv(4, socket.MSG_WAITALL))
print("answer frame of", size, "bytes")
if size > 1_000_000:
    raise SystemExit(f"ESCAPED: a {size}-byte answer")
