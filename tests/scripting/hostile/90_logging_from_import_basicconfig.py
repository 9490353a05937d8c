# expect: call
# ruff: noqa
# basicConfig imported by name: the call is logging.basicConfig whatever it is spelled.
from logging import basicConfig, getLogger

basicConfig(style="{", format="{msg.__globals__[os].environ}", level=20)
getLogger("x").info("%s", "go")
