# expect: succeeded killing its parent cannot reach the host
# process: skip under the process backend the parent is the test runner itself
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: kill parent."""

import os
import signal

parent = os.getppid()
try:
    os.kill(parent, signal.SIGKILL)
except OSError as exc:
    print("kill refused:", exc)
print("parent was", parent)
