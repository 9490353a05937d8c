# expect: secret
# ruff: noqa
# A key split over two lines.
key = "AKIAIOSFODNN7EXAMPLE"
print(len(key))
