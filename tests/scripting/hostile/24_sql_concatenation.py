# expect: sql
# ruff: noqa
# SQL built by concatenation.
from meta_agent.tool_library.database_tools import query_database

pid = "x"
rows = query_database("SELECT * FROM properties WHERE property_id = '" + pid + "'")
