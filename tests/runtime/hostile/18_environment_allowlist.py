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
extra = set(os.environ) - allowed
if extra:
    raise SystemExit(f"unexpected variables: {sorted(extra)}")
print("environment ok")
