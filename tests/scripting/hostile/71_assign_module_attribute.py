# expect: attribute
# ruff: noqa
# Changing a shared module.
import math

math.pi = 3
