# expect: call
# ruff: noqa
# A '{' log format walks attributes of the record.
import logging

logging.basicConfig(format="{process.__class__}", style="{")
