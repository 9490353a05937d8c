# expect: failed a canary file in /etc cannot be read
# process: xfail the process backend runs as the host user, who can read it
"""Hostile: read etc canary."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
print(open(TARGETS["etc_canary"]).read())
