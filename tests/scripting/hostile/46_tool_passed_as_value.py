# expect: tool
# ruff: noqa
# A tool passed around as a value.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

steps = [fetch_portfolio_metrics]
print(steps)
