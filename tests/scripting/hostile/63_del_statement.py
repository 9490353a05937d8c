# expect: construct
# ruff: noqa
# del.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
del metrics
