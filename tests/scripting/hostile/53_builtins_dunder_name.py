# expect: builtin
# ruff: noqa
# __builtins__ by name.
run = __builtins__["eval"]
