# expect: sql
# ruff: noqa
# The list of queries built at run time.
from meta_agent.tool_library.database_tools import batch_query

queries = [{"query": "SELECT * FROM loans"}]
queries.append({"query": "SELECT * FROM pragma_database_list"})
frames = batch_query(queries)
