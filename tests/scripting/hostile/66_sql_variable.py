# expect: sql
# ruff: noqa
# A query held in a variable.
from meta_agent.tool_library.database_tools import query_database

sql = "SELECT * FROM loans"
rows = query_database(sql)
