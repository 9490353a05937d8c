# expect: call
# ruff: noqa
# print(file=...) writes to whatever it is given.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
print("x", file=metrics)
