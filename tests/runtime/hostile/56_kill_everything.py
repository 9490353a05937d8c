# expect: succeeded kill(-1) reaches only the sandbox
# process: skip under the process backend kill(-1) would kill every process of the user
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: kill everything."""

import os
import signal

try:
    os.kill(-1, signal.SIGKILL)
except OSError as exc:
    print("kill(-1) refused:", exc)
print("still here")
