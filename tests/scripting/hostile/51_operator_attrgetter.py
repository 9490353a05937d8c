# expect: import
# ruff: noqa
# attrgetter reaches attributes by string.
from operator import attrgetter

attrgetter("__class__")(1)
