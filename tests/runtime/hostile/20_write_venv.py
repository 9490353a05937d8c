# expect: failed the interpreter's site-packages are read-only
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: write venv."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import pandas
import os

open(os.path.join(os.path.dirname(pandas.__file__), TARGETS["mark"] + ".py"), "w").write("x")
