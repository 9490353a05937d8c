# expect: failed a hard link to the mounted database cannot be made
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: hardlink to db."""

import os

from sqlalchemy.engine import make_url

db = make_url(os.environ["META_AGENT_DATABASE_URL"]).database
os.link(db, os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "db.csv"))
