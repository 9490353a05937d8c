# vim: set fileencoding=latin-1 :
# expect: syntax
# Another encoding decodes the same bytes to another text than the one checked.
x = 1
