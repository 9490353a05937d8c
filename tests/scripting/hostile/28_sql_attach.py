# expect: sql
# ruff: noqa
# ATTACH another database file.
from meta_agent.tool_library.database_tools import query_database

query_database("ATTACH DATABASE '/tmp/x.db' AS x")
