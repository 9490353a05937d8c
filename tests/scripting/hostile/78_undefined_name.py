# expect: builtin
# ruff: noqa
# A name that is neither defined nor an allowed builtin.
pd.read_csv("/etc/passwd")
