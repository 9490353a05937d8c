# expect: sql
# ruff: noqa
# A block comment hiding a statement boundary.
from meta_agent.tool_library.database_tools import query_database

query_database("SELECT 1 /* ; DELETE FROM loans */")
