# expect: sql
# ruff: noqa
# SQL built with an f-string.
from meta_agent.tool_library.database_tools import query_database

pid = "x' OR 1=1 --"
rows = query_database(f"SELECT * FROM properties WHERE property_id = '{pid}'")
