# expect: attribute
# ruff: noqa
# str.format walks attributes.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
leak = "{0.__class__.__init__.__globals__}".format(metrics)
