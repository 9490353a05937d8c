# expect: secret
# ruff: noqa
# A database URL with its password.
url = "postgresql+psycopg://analyst:Sup3rS3cret@db.internal:5432/portfolio"
print(len(url))
