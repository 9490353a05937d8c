# expect: failed pandas cannot read host files
# process: xfail the process backend runs as the host user, who can read it
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: pandas read csv shadow."""

import pandas as pd

print(pd.read_csv("/etc/shadow"))
