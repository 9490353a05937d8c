# expect: cpu_limit a busy loop is stopped at its CPU budget
# limits: cpu_seconds=1 timeout_seconds=15
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: cpu burn."""

while True:
    pass
