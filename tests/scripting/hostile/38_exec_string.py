# expect: call
# ruff: noqa
# exec of a string.
exec("import os; os.system('id')")
