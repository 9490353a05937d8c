# expect: log_limit an endless print loop stops at the log limit
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: giant log."""

while True:
    print("spam " * 40)
