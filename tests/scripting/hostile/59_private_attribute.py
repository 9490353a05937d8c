# expect: attribute
# ruff: noqa
# Private attributes of a DataFrame.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
manager = metrics._mgr
