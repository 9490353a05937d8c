# expect: import
# ruff: noqa
# A future import other than annotations.
from __future__ import barry_as_FLUFL
