# expect: secret
# ruff: noqa
# A key assembled in an f-string: its literal part is still a key.
suffix = "EXAMPLE"
key = f"AKIAIOSFODNN7{suffix}"
db_password = f"{suffix}-Hunter2-2024"
print(len(key), len(db_password))
