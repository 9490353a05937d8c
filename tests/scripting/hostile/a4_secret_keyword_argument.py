# expect: secret
# ruff: noqa
# A password passed by keyword (bandit's B106) to a call that would forward it.
print("connecting", sep="", api_key="Zq3xW8p2Lm4nR7tY")
