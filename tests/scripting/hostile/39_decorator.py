# expect: construct
# ruff: noqa
# Decorators run code at definition.
from functools import partial


@partial
def main():
    return 1
