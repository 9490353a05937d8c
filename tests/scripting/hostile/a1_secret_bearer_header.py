# expect: secret
# ruff: noqa
# An Authorization header with a bearer token.
headers = {"Accept": "application/json", "Authorization": "Bearer 9f8e7d6c5b4a3928170abcdZ"}
print(len(headers))
