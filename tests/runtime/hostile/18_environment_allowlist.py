# expect: succeeded the environment holds exactly the injected variables
# ruff: noqa  (hostile on purpose: unidiomatic code is the point)
"""Hostile: environment allowlist."""

import os

allowed = {
    "META_AGENT_DATABASE_URL",
    "META_AGENT_RESULTS_DIR",
    "HOME",
    "TMPDIR",
    "MPLCONFIGDIR",
    "PYTHONHASHSEED",
    "LANG",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "PWD",
}
# The Docker engine always sets these two, to fixed values that carry nothing of the host's.
engine_set = {
    "HOSTNAME": "sandbox",
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
}
for name, value in engine_set.items():
    if os.environ.get(name, value) != value:
        raise SystemExit(f"unexpected value of {name}")
extra = set(os.environ) - allowed - set(engine_set)
if extra:
    raise SystemExit(f"unexpected variables: {sorted(extra)}")
print("environment ok")
