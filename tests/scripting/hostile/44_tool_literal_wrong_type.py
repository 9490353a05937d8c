# expect: tool
# ruff: noqa
# A literal of the wrong type.
from meta_agent.tool_library.analysis_tools import flag_at_risk
from meta_agent.tool_library.database_tools import fetch_portfolio_metrics

metrics = fetch_portfolio_metrics()
flagged = flag_at_risk(metrics, threshold="1.25")
