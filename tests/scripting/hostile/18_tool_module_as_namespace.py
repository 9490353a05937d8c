# expect: import
# ruff: noqa
# Importing a tool module whole reaches its globals.
import meta_agent.tool_library.database_tools as d

d.os.system("id")
