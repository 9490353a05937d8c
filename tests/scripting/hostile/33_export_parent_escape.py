# expect: output
# ruff: noqa
# Export outside the results folder with ..
from meta_agent.tool_library.data_tools import export_to_csv
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
export_to_csv(metrics, "../escape.csv")
