# expect: import
# ruff: noqa
# A tool module's own imports are not tools.
from meta_agent.tool_library.database_tools import os

os.system("id")
