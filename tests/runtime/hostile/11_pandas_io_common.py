# expect: failed pandas' own I/O helpers cannot open host files
# process: xfail the process backend runs as the host user, who can read it
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: pandas io common."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import pandas as pd

with pd.io.common.get_handle(TARGETS["root_canary"], "r") as handles:
    print(handles.handle.read())
