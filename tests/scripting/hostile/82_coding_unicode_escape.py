# coding: unicode_escape
# expect: syntax
# One comment to a UTF-8 reader, two lines to Python \x0aopen(__file__.replace('.py', '.ran'), 'w').close()
