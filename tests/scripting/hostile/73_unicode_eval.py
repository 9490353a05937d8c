# expect: call
# ruff: noqa
# eval spelled in full-width letters (NFKC makes it eval).
ｅｖａｌ("1 + 1")
