"""The layers stay apart: loading settings never imports the runtime, and the domain
computation sits below the tools that expose it (no cycles between the packages named here)."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {name for name in out.stdout.split() if name.startswith("meta_agent")}


def test_settings_do_not_import_the_runtime() -> None:
    loaded = _modules_after("from meta_agent.config import Settings; Settings()")
    assert not {m for m in loaded if m.startswith("meta_agent.runtime")}, loaded


def test_simulation_does_not_import_the_tool_library() -> None:
    loaded = _modules_after("import meta_agent.simulation")
    assert not {m for m in loaded if m.startswith("meta_agent.tool_library")}, loaded


def test_reporting_does_not_import_the_tool_library() -> None:
    modules = ("charts", "excel", "pdf", "executive", "figures", "summary", "results_report")
    statement = "; ".join(f"import meta_agent.reporting.{name}" for name in modules)
    loaded = _modules_after(statement)
    assert not {m for m in loaded if m.startswith("meta_agent.tool_library")}, loaded


def test_reporting_sources_never_name_the_tool_library() -> None:
    from pathlib import Path

    import meta_agent.reporting as reporting

    folder = Path(reporting.__file__).parent
    naming = [p.name for p in folder.glob("*.py") if "meta_agent.tool_library" in p.read_text()]
    assert naming == []
