# expect: secret
# ruff: noqa
# A libpq connection string with its password, as a call argument.
dsn = str("host=db.internal dbname=portfolio user=analyst password=Vx9qLm27Tr")
print(len(dsn))
