# expect: call
# ruff: noqa
# Calling whatever a subscript holds.
handlers = {"run": print}
handlers["run"]("x")
