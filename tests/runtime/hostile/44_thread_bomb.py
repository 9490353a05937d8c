# expect: process_limit thousands of threads are refused
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: thread bomb."""

import threading
import time

while True:
    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
