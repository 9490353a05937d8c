# expect: failed /etc/shadow is not visible
# process: xfail the process backend runs as the host user, who can read it
"""Hostile: read etc shadow."""

print(open("/etc/shadow").read())
