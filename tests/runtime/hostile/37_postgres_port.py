# expect: failed the PostgreSQL TCP port is unreachable
# process: netns
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: postgres port."""

import socket

socket.create_connection(("127.0.0.1", 5432), timeout=3).close()
