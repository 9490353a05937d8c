# expect: import
# ruff: noqa
# numpy.lib reaches file readers.
import numpy as np

np.lib.npyio.os.system("id")
