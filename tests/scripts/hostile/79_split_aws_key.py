# expect: secret
# ruff: noqa
# A key split over two lines.
key = (
    "AKIAIOSF"
    "ODNN7EXAMPLE"
)
print(len(key))
