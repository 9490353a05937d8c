# expect: tool
# ruff: noqa
# A tool smuggled in through a lambda default.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

rows = sorted([1], key=lambda r, f=fetch_portfolio_metrics: f)
