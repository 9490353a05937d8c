# expect: failed SQL writes to the mounted database are refused
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: sqlite write db."""

import os
import sqlite3

from sqlalchemy.engine import make_url

conn = sqlite3.connect(make_url(os.environ["META_AGENT_DATABASE_URL"]).database)
conn.execute("DELETE FROM properties")
conn.execute("CREATE TABLE pwned (x)")
conn.commit()
