# expect: failed a UDP datagram cannot reach the host
# process: netns
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: udp loopback."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.sendto(b"datagram", ("127.0.0.1", TARGETS["udp_port"]))
sock.sendto(b"datagram", ("8.8.8.8", 53))
