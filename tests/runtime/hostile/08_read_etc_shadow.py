# expect: failed /etc/shadow is not visible
# process: xfail the process backend runs as the host user, who can read it
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: read etc shadow."""

print(open("/etc/shadow").read())
