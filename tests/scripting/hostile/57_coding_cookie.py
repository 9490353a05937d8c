# expect: syntax
# -*- coding: utf-7 -*-
# ruff: noqa
# Another encoding changes what runs from what was checked.
print("checked text")
