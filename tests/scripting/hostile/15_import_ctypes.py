# expect: import
# ruff: noqa
# ctypes calls native code.
import ctypes

ctypes.CDLL(None).system(b"id")
