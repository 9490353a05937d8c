# expect: memory_limit a huge numpy array is refused
"""Hostile: numpy memory bomb."""

import numpy as np

grid = np.ones((40_000, 40_000))
print(grid.sum())
