# expect: sql
# ruff: noqa
# A write through the query tool.
from meta_agent.tool_library.database_tools import query_database

query_database("UPDATE loans SET current_balance = 0")
