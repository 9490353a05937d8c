# expect: call
# ruff: noqa
# basicConfig stored in a list, then called through it.
import logging

setups = [logging.basicConfig]
for setup in setups:
    setup(style="{", format="{msg.__globals__}")
