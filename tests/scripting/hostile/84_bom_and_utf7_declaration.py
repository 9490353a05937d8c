# coding: utf-7
# expect: syntax
# A BOM says UTF-8, the declaration says UTF-7 +AAo-open(__file__.replace('.py', '.ran'), 'w').close()
