# expect: import
# ruff: noqa
# A relative import.
from . import database_tools
