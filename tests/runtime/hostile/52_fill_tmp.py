# expect: output_limit the private /tmp is size-capped
# limits: max_output_mb=100
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: fill tmp."""

import tempfile

with tempfile.TemporaryFile() as handle:
    while True:
        handle.write(b"x" * 1_000_000)
