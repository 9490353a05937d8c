# expect: import
# ruff: noqa
# Read any file through pandas.
import pandas as pd

frame = pd.read_csv("/etc/passwd")
