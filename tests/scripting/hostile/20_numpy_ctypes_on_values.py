# expect: attribute
# ruff: noqa
# ndarray.ctypes exposes raw memory.
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
address = metrics.values.ctypes.data
