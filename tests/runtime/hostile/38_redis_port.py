# expect: failed the Redis port is unreachable
# process: netns
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: redis port."""

import socket

sock = socket.create_connection(("127.0.0.1", 6379), timeout=3)
sock.sendall(b"PING\r\n")
print(sock.recv(100))
