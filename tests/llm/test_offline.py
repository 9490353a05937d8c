"""The offline default pays nothing for the LLM: no SDK, no provider module is imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys

LLM_MODULES = ("openai", "anthropic", "httpx2", "meta_agent.llm")
PROBE = (
    "import atexit, json, sys\n"
    "def report():\n"
    "    loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('openai', 'anthropic', "
    "'httpx2') or m.startswith('meta_agent.llm'))\n"
    "    sys.__stderr__.write('LOADED=' + json.dumps(loaded) + '\\n')\n"
    "atexit.register(report)\n"
    "sys.argv = ['meta-agent'] + json.loads(sys.argv[1])\n"
    "from meta_agent.cli.main import main\n"
    "main()\n"
)


def loaded_by(arguments: list[str], environment: dict[str, str]) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(arguments)],
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        timeout=120,
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("LOADED="))
    return done.returncode, json.loads(line.removeprefix("LOADED="))


def test_help_imports_nothing_of_the_llm() -> None:
    code, loaded = loaded_by(["--help"], {})
    assert code == 0 and loaded == []


def test_an_offline_dry_run_imports_nothing_of_the_llm(sample_db_url: str) -> None:
    request = "Which properties have a DSCR below 1.25?"
    for arguments in (["ask", request, "--dry-run"], ["ask", request, "--dry-run", "--yes"]):
        code, loaded = loaded_by(arguments, {"META_AGENT_DATABASE_URL": sample_db_url})
        assert code == 0, arguments
        assert loaded == [], arguments
