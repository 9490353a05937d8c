# expect: call
# ruff: noqa
# Read /etc/passwd with open().
text = open("/etc/passwd").read()
print(text)
