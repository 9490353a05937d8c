# expect: sql
# ruff: noqa
# DROP TABLE.
from meta_agent.tool_library.database_tools import query_database

query_database("DROP TABLE loans")
