# expect: memory_limit a growing allocation is stopped
"""Hostile: memory bomb."""

blocks = []
while True:
    blocks.append(bytearray(16 * 1024 * 1024))
