# expect: builtin
# ruff: noqa
# Shadowing a builtin.
def len(value):
    return 0
