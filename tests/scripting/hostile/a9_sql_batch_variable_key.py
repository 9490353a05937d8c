# expect: sql
# ruff: noqa
# A key held in a variable.
from meta_agent.tool_library.database_tools import batch_query

key = "query"
frames = batch_query(queries=[{"params": None, key: "SELECT * FROM pragma_database_list"}])
