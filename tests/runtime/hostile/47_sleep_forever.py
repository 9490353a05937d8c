# expect: timeout a script that never ends is stopped at the wall-clock limit
# limits: timeout_seconds=2
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: sleep forever."""

import time

print("sleeping", flush=True)
while True:
    time.sleep(1)
