# expect: tool
# ruff: noqa
# A keyword the tool does not take.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics(region="west")
