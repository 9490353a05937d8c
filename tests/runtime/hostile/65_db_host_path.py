# expect: failed the database is only at its mount, not at its host path
# process: xfail the process backend runs as the host user, who can read it
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: db host path."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
print(open(TARGETS["db_host_path"], "rb").read(16))
