# expect: failed DataFrame.to_csv cannot write outside results/ (here: into the tool library itself)
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: pandas to csv outside."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import pandas as pd

# The package is mounted wherever the checkout lives (read-only); the checkout's other folders
# are not mounted at all, so a write there would land in the sandbox's private /tmp when the
# checkout itself lives under /tmp (as in CI).
pd.DataFrame({"a": [1]}).to_csv(TARGETS["repo"] + "/src/meta_agent/" + TARGETS["mark"] + ".csv")
