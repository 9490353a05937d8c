# expect: attribute
# ruff: noqa
# statistics re-exports sys.
import statistics

statistics.sys.modules["os"].system("id")
