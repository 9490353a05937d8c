# expect: failed the mounted database file cannot be written
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: append to db file."""

import os

from sqlalchemy.engine import make_url

path = make_url(os.environ["META_AGENT_DATABASE_URL"]).database
with open(path, "ab") as db:
    db.write(b"corrupted")
