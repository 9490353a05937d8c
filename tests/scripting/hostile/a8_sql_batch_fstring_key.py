# expect: sql
# ruff: noqa
# An f-string key.
from meta_agent.tool_library.database_tools import batch_query

name = "query"
frames = batch_query(queries=[{f"{name}": "SELECT * FROM pragma_database_list"}])
