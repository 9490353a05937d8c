# expect: call
# ruff: noqa
# basicConfig under a harmless-looking name.
from logging import basicConfig as setup_output

setup_output(level=20, format="{msg.__globals__}", style="{")
