# expect: sql
# ruff: noqa
# The query itself joined at run time.
from meta_agent.tool_library.database_tools import batch_query

frames = batch_query(queries=[{"query": " ".join(["SELECT", "*", "FROM", "loans"])}])
