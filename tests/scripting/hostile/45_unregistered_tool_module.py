# expect: import
# ruff: noqa
# A tool module that is not registered.
from meta_agent.tool_library.admin_tools import drop_everything

drop_everything()
