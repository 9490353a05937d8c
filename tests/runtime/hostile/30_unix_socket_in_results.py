# expect: failed a socket file in results/ is refused
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: unix socket in results."""

import os
import socket

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.bind(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "summary.json"))
print("socket planted")
