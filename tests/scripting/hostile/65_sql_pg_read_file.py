# expect: sql
# ruff: noqa
# A SELECT that reads a server file.
from meta_agent.tool_library.database_tools import query_database

query_database("SELECT pg_read_file('/etc/passwd')")
