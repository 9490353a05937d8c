# expect: construct
# ruff: noqa
# The walrus operator.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
if (count := len(metrics)) > 0:
    print(count)
