# expect: import
# ruff: noqa
# sys reaches loaded modules.
import sys

sys.modules["os"].system("id")
