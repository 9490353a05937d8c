# expect: failed no name can be resolved
# process: netns
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: dns lookup."""

import socket

print(socket.getaddrinfo("example.com", 443))
