#
# coding: utf-7
# expect: syntax
# str.splitlines() breaks at form feeds: the declaration was on its line 4 +AAo-open(__file__.replace('.py', '.ran'), 'w').close()
