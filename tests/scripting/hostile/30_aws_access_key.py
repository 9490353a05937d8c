# expect: secret
# ruff: noqa
# A hard-coded AWS access key.
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
print(len(AWS_ACCESS_KEY_ID))
