# expect: attribute
# ruff: noqa
# DataFrame.eval / pd.eval run code.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
metrics.eval("noi * 2")
