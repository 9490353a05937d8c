# expect: construct
# ruff: noqa
# with open(...) as fh.
with open("/etc/shadow") as fh:
    print(fh.read())
