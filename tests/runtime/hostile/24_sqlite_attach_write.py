# expect: failed ATTACHing the database file does not make it writable
# process: skip it would really modify the host under the process backend
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: sqlite attach write."""

import os
import sqlite3

from sqlalchemy.engine import make_url

db = make_url(os.environ["META_AGENT_DATABASE_URL"]).database
conn = sqlite3.connect(os.path.join(os.environ["META_AGENT_RESULTS_DIR"], "scratch.db"))
conn.execute(f"ATTACH DATABASE '{db}' AS portfolio")
conn.execute("UPDATE portfolio.properties SET noi = 0")
conn.commit()
