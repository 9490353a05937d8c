# expect: log_limit one endless line without a newline stops at the log limit
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: giant line."""

import sys

while True:
    sys.stdout.write("y" * 65536)
