# expect: call
# ruff: noqa
# basicConfig(filename=...) writes a file anywhere.
import logging

logging.basicConfig(filename="/etc/cron.d/x", level=logging.INFO)
