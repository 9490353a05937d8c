# expect: import
# ruff: noqa
# pandas internals lead back to os.
import pandas.io.common

pandas.io.common.os.system("id")
