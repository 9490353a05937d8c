# expect: failed the internet is unreachable
# process: netns
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: external http."""

import urllib.request

print(urllib.request.urlopen("http://1.1.1.1/", timeout=3).status)
