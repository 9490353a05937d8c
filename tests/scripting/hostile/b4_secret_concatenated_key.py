# expect: secret
# ruff: noqa
# An AWS key split into literal pieces joined with '+'.
key = str("AKIAIOSFODNN7" + "EXAM" + "PLE")
print(len(key))
