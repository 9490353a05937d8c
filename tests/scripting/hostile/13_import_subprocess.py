# expect: import
# ruff: noqa
# subprocess starts processes.
from subprocess import run

run(["id"])
