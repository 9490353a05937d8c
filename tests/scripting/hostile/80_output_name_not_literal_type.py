# expect: output
# ruff: noqa
# A file name that is not a string.
from meta_agent.tool_library.data_tools import write_results_json

write_results_json({"a": 1}, filename=3)
