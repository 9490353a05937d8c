"""The package root re-exports the public API, lazily."""

from __future__ import annotations

import subprocess
import sys

import meta_agent


def test_all_names_resolve() -> None:
    assert meta_agent.__all__ == sorted(meta_agent.__all__)
    for name in meta_agent.__all__:
        assert getattr(meta_agent, name) is not None, name


def test_importing_the_package_is_cheap() -> None:
    code = "import sys, meta_agent; print([m for m in ('pandas', 'pydantic', 'sqlalchemy') if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
