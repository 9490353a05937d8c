# expect: secret
# ruff: noqa
# Comments that would silence bandit and detect-secrets.
api_password = "n0t-a-real-but-still-a-password"  # nosec  # pragma: allowlist secret
print(len(api_password))
