# expect: import
# ruff: noqa
# A star import.
from meta_agent.tool_library.database_tools import *
