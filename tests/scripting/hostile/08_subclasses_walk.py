# expect: attribute
# ruff: noqa
# The classic tuple -> object -> subclasses walk.
classes = ().__class__.__bases__[0].__subclasses__()
