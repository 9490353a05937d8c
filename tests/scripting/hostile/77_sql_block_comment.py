# expect: sql
# ruff: noqa
# A block comment that looks nested: SQLite ends it at the first */, so a second statement
# follows. (Comments themselves are accepted: the guard drops them before the query runs.)
from meta_agent.tool_library.database_tools import query_database

query_database("SELECT 1 AS one /* /* */ ; DELETE FROM loans; -- */")
