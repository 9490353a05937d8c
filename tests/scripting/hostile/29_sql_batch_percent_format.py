# expect: sql
# ruff: noqa
# A batch whose query is %-formatted.
from meta_agent.tool_library.database_tools import batch_query

table = "loans"
frames = batch_query([{"query": "SELECT * FROM %s" % table, "params": {}}])
