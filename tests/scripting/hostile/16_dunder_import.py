# expect: call
# ruff: noqa
# __import__ as a builtin.
__import__("os").system("id")
