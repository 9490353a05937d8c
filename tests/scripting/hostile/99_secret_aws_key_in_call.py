# expect: secret
# ruff: noqa
# An AWS key as a call argument: detect-secrets drops the line as an indirect reference.
key = str("AKIAIOSFODNN7EXAMPLE")
print(len(key))
