# expect: succeeded with a broker at hand, the sandbox itself still has no network
# network: broker
# process: netns
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: go around the broker: connect to the external API's port, and to the listener."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import socket

from meta_agent.tool_library.external_tools import call_external_api  # a network run: a broker

for port in (TARGETS["api"]["port"], TARGETS["tcp_port"]):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        raise SystemExit(f"ESCAPED: connected to 127.0.0.1:{port}")
    except OSError as exc:
        print("no network:", exc)
