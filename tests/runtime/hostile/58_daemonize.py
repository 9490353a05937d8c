# expect: succeeded a double-forked, setsid daemon does not survive the run
# process: cgroup
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: daemonize."""

import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(600):
            time.sleep(0.1)
        os._exit(0)
    os._exit(0)
time.sleep(0.2)
print("daemon started")
