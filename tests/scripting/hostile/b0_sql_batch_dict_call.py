# expect: sql
# ruff: noqa
# dict(...) instead of a dict literal.
from meta_agent.tool_library.database_tools import batch_query

frames = batch_query(queries=[dict(query="SELECT * FROM loans")])
