# expect: failed matplotlib cannot save outside results/
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: matplotlib savefig root."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

plt.plot([1, 2, 3])
plt.savefig("/root/" + TARGETS["mark"] + ".png")
