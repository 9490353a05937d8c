#     
# coding: unicode_escape
# expect: syntax
# U+2028/U+2029/NEL are line breaks to str.splitlines(), not to Python \x0aopen(__file__.replace('.py', '.ran'), 'w').close()
