# -*- coding: utf-7 -*-
# expect: syntax
# A UTF-8 reader sees one comment here; Python decodes UTF-7 and runs the rest +AAo-open(__file__.replace('.py', '.ran'), 'w').close()
