# expect: import
# ruff: noqa
# importlib imports anything.
import importlib

os_module = importlib.import_module("os")
