# expect: sql
# ruff: noqa
# A repeated literal key: the last one wins at run time.
from meta_agent.tool_library.database_tools import batch_query

frames = batch_query(queries=[{"query": "SELECT 1", "query": "SELECT name FROM pragma_table_list"}])
