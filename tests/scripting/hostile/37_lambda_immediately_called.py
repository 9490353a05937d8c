# expect: construct
# ruff: noqa
# A lambda called on the spot.
value = (lambda: 41)() + 1
