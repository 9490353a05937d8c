# expect: call
# ruff: noqa
# A format built at run time cannot be checked.
import logging

brace = "{"
logging.basicConfig(level=logging.INFO, format=brace + "msg.__globals__}")
