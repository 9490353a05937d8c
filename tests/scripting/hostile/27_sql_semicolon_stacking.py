# expect: sql
# ruff: noqa
# A SELECT with a second statement stacked on it.
from meta_agent.tool_library.database_tools import query_database

query_database("SELECT 1; DELETE FROM loans")
