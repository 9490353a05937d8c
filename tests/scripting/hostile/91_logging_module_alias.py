# expect: call
# ruff: noqa
# The logging module under another name.
import logging as L

L.basicConfig(format="{process.__class__.__init__.__globals__}", style="{")
