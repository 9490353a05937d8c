# expect: call
# ruff: noqa
# force=True removes the runtime's handlers.
import logging

logging.basicConfig(level=logging.INFO, format="%(message)s", force=True)
