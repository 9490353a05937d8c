# expect: failed abstract Unix sockets of the host are unreachable
# process: netns
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: abstract unix socket."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import socket

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(TARGETS["abstract_socket"].encode("latin-1"))
