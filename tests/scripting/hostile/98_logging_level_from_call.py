# expect: call
# ruff: noqa
# A level that is a call, evaluated by basicConfig.
import logging

logging.basicConfig(level=int("20"), format="%(message)s")
