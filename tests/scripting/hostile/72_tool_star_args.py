# expect: tool
# ruff: noqa
# *args hides what a tool receives.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

args = [["x"]]
metrics = fetch_portfolio_metrics(*args)
