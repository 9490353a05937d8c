# expect: attribute
# ruff: noqa
# DataFrame.plot then savefig writes anywhere.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
axes = metrics.plot()
axes.figure.savefig("/tmp/x.png")
