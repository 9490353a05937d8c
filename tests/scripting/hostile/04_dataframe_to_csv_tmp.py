# expect: attribute
# ruff: noqa
# Write a result anywhere with DataFrame.to_csv.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
metrics.to_csv("/tmp/x.csv")
