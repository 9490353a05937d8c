# first line# coding: utf-7
# expect: syntax
# Two lines to a file reader, one to a \n reader +AAo-open(__file__.replace('.py', '.ran'), 'w').close()
