# expect: failed the meta_agent package directory is read-only
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: write package source."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import os

import meta_agent

open(os.path.join(os.path.dirname(meta_agent.__file__), TARGETS["mark"] + ".py"), "w").write("x")
