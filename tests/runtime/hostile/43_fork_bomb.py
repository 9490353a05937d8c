# expect: process_limit the fork bomb is stopped and nothing survives
# process: cgroup
"""Hostile: fork bomb."""

import os

while True:
    try:
        os.fork()
    except OSError:
        pass
