# expect: attribute
# ruff: noqa
# DataFrame.apply resolves strings to methods.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
metrics.apply("to_pickle", path="/tmp/x.pkl")
