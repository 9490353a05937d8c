# expect: failed a TCP listener on the host's loopback is unreachable
# process: netns
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: tcp loopback."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import socket

socket.create_connection(("127.0.0.1", TARGETS["tcp_port"]), timeout=3).close()
