# expect: secret
# ruff: noqa
# A database URL with its password, inside a call.
url = str("postgres://analyst:Vx9qLm27Tr@db.internal:5432/portfolio")
print(len(url))
