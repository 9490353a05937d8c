# expect: call
# ruff: noqa
# type() builds classes.
Payload = type("Payload", (), {"run": print})
