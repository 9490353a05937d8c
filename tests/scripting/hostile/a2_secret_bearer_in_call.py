# expect: secret
# ruff: noqa
# A bearer token passed straight to a call.
print(len(str("Bearer 7Hq2LxP9wVz4RkT1mNb8")))
