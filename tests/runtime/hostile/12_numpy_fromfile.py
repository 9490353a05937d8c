# expect: failed numpy cannot read host files
# process: xfail the process backend runs as the host user, who can read it
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: numpy fromfile."""

TARGETS: dict = {}  # filled in by tests/runtime/conftest.py
import numpy as np

print(np.fromfile(TARGETS["var_tmp_canary"], dtype=np.uint8).tobytes())
