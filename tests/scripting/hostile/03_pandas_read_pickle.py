# expect: import
# ruff: noqa
# Load a pickle (runs code) through pandas.
from pandas import read_pickle

obj = read_pickle("/tmp/payload.pkl")
