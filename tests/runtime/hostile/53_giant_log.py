# expect: log_limit an endless print loop stops at the log limit
"""Hostile: giant log."""

while True:
    print("spam " * 40)
