# expect: call
# ruff: noqa
# A '{' walk in the format with the default style: refused, the format names record fields only.
import logging

logging.basicConfig(level=logging.INFO, format="{msg.__globals__[os].environ} %(message)s")
