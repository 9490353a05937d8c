# expect: attribute
# ruff: noqa
# A generator's frame reaches globals.
rows = (row for row in [1, 2])
found = rows.gi_frame.f_globals
