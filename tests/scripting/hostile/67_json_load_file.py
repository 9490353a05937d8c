# expect: attribute
# ruff: noqa
# json.load reads file objects.
import json

from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
data = json.load(metrics)
