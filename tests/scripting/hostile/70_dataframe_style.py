# expect: attribute
# ruff: noqa
# DataFrame.style renders and writes files.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
html = metrics.style.to_html()
