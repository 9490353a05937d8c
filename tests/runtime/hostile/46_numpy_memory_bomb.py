# expect: memory_limit a huge numpy array is refused
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: numpy memory bomb."""

import numpy as np

grid = np.ones((40_000, 40_000))
print(grid.sum())
