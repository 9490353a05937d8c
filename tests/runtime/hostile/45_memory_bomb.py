# expect: memory_limit a growing allocation is stopped
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: memory bomb."""

blocks = []
while True:
    blocks.append(bytearray(16 * 1024 * 1024))
