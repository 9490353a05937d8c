# expect: output
# ruff: noqa
# A file name computed at run time cannot be checked.
from meta_agent.tool_library.data_tools import export_to_csv
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
name = "../../x"
export_to_csv(metrics, filename=f"{name}.csv")
