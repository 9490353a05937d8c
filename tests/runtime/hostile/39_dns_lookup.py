# expect: failed no name can be resolved
# process: netns
"""Hostile: dns lookup."""

import socket

print(socket.getaddrinfo("example.com", 443))
