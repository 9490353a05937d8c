#
# coding: utf-7
# expect: syntax
# \x0b and \x1c-\x1e split lines for str.splitlines() only +AAo-open(__file__.replace('.py', '.ran'), 'w').close()
