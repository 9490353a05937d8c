# expect: secret
# ruff: noqa
# A random-looking key as an argument.
print(str("kJ8s9dF2lQ0pZx7VbN3mT6yR1wE4uH5cGa"))
