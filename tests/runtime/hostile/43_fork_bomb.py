# expect: process_limit the fork bomb is stopped and nothing survives
# process: cgroup
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: fork bomb."""

import os

while True:
    try:
        os.fork()
    except OSError:
        pass
