# expect: tool
# ruff: noqa
# Rebinding a tool name.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

fetch_portfolio_metrics = print
fetch_portfolio_metrics("x")
