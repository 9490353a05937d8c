# expect: sql
# ruff: noqa
# A computed key equal to "query" at run time replaces the checked query.
from meta_agent.tool_library.database_tools import batch_query

frames = batch_query(
    queries=[{"query": "SELECT 1", "que" + "ry": "SELECT * FROM pragma_database_list"}]
)
