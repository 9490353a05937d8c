# expect: secret
# ruff: noqa
# A hard-coded password.
db_password = "Tr0ub4dor&3-horse-staple"
print(len(db_password))
