# expect: construct
# ruff: noqa
# Classes are not needed.
class Payload:
    def run(self):
        return 1
