# expect: construct
# ruff: noqa
# global.
counter = 0


def bump():
    global counter
    counter = counter + 1
