# expect: call
# ruff: noqa
# basicConfig handed to partial and called with no arguments by a defaultdict lookup.
import collections
import functools
import logging

configure = functools.partial(
    logging.basicConfig, style="{", format="{msg.__globals__[os].environ}"
)
table = collections.defaultdict(configure)
table["anything"]
