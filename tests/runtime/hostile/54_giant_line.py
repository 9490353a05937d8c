# expect: log_limit one endless line without a newline stops at the log limit
"""Hostile: giant line."""

import sys

while True:
    sys.stdout.write("y" * 65536)
