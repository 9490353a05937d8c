# expect: attribute
# ruff: noqa
# logging re-exports os and sys.
import logging

logging.os.system("id")
