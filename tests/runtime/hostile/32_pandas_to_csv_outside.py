# expect: failed DataFrame.to_csv cannot write outside results/
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: pandas to csv outside."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import pandas as pd

pd.DataFrame({"a": [1]}).to_csv(TARGETS["repo"] + "/" + TARGETS["mark"] + ".csv")
