# expect: call
# ruff: noqa
# getattr with a dunder name walks to the class.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
cls = getattr(metrics, "__class__")
