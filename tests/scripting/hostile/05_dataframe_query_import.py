# expect: attribute
# ruff: noqa
# DataFrame.query evaluates its string.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
rows = metrics.query('@__import__("os").system("id")')
