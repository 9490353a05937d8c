# expect: failed a canary file in /root cannot be read
# process: xfail the process backend runs as the host user, who can read it
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: read root canary."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
print(open(TARGETS["root_canary"]).read())
