# expect: attribute
# ruff: noqa
# A traceback's frame reaches globals.
try:
    1 / 0
except ZeroDivisionError as exc:
    frame = exc.__traceback__.tb_frame
