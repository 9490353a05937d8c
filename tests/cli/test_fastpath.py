"""The start-up fast path: same commands, same answers, without Typer, pydantic or Rich."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from meta_agent.cli.fastpath import OPTIONS, parse


def test_plain_command_lines_take_the_fast_path() -> None:
    assert parse(["exec", "a.py", "--yes", "--json"]) == (
        "exec",
        "a.py",
        {"yes": True, "as_json": True},
    )
    assert parse(["ask", "dscr for all", "-y", "--timeout=30", "--database", "sqlite:///x.db"]) == (
        "ask",
        "dscr for all",
        {"yes": True, "timeout": "30", "database": "sqlite:///x.db"},
    )
    assert parse(["ask", "dscr for all", "--dry-run"]) == ("ask", "dscr for all", {"dry_run": True})


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["tools"],
        ["--debug", "exec", "a.py", "--yes"],  # a global option: Typer's
        ["exec", "a.py"],  # approval needs Typer's prompt
        ["exec", "a.py", "--yes", "--help"],
        ["exec", "a.py", "--yes", "--bogus"],
        ["exec", "a.py", "b.py", "--yes"],
        ["exec", "--yes"],  # no file
        ["exec", "a.py", "--yes", "--timeout"],  # a missing value
        ["exec", "a.py", "--yes", "--database", "--json"],
        ["exec", "a.py", "--yes=1"],
        ["exec", "a.py", "--dry-run", "--yes"],  # ask's option
        ["ask", "x", "--yes", "--no-validate"],  # exec's option
        ["ask", "x", "--yes", "--", "y"],
    ],
)
def test_anything_else_goes_to_typer(argv: list[str]) -> None:
    assert parse(argv) is None


def test_the_fast_path_knows_exactly_the_typer_commands_options() -> None:
    """If a command gains or changes an option, the fast path must learn it too."""
    import typer

    from meta_agent.cli.app import app

    group = typer.main.get_command(app)
    for name, known in OPTIONS.items():
        command = group.commands[name]  # type: ignore[attr-defined]
        typer_options: dict[str, bool] = {}
        for param in command.params:
            if param.param_type_name == "option":
                for flag in param.opts:
                    typer_options[flag] = not param.is_flag
        typer_options.pop("--help", None)
        assert {flag: takes for flag, (_, takes) in known.items()} == typer_options, name
        arguments = [p for p in command.params if p.param_type_name == "argument"]
        assert len(arguments) == 1, name


HEAVY = ("typer", "click", "pydantic", "rich", "sqlalchemy", "pandas", "numpy", "jinja2", "psutil")


def _run_cli(args: list[str], cwd: Path) -> tuple[int, str, list[str]]:
    """The real entry point in a fresh interpreter: exit code, stdout, heavy modules loaded."""
    code = (
        "import sys\n"
        "from meta_agent.cli.main import run\n"
        f"sys.argv = ['meta-agent', *{args!r}]\n"
        "try:\n"
        "    run()\n"
        "except SystemExit as done:\n"
        "    code = done.code\n"
        f"heavy = {HEAVY!r}\n"
        "sys.stderr.write('LOADED ' + repr(sorted(m for m in heavy if m in sys.modules)) + '\\n')\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=os.environ.copy()
    )
    loaded = [line for line in done.stderr.splitlines() if line.startswith("LOADED ")]
    assert loaded, done.stderr
    return done.returncode, done.stdout, eval(loaded[-1].removeprefix("LOADED "))  # noqa: S307


def _loaded_by(code: str, cwd: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code + f"\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=True,
    )
    return list(eval(done.stdout.strip().splitlines()[-1]))  # noqa: S307


def test_exec_of_a_short_script_loads_no_heavy_library(sample_db_url: str, tmp_path: Path) -> None:
    """Beyond what the validator itself loads (its business), exec loads nothing heavy."""
    script = tmp_path / "noop.py"
    script.write_text('print("noop")\n')
    args = ["exec", str(script), "--yes", "--json", "--database", sample_db_url]
    code, stdout, loaded = _run_cli([*args, "--runs-dir", str(tmp_path / "runs")], tmp_path)
    outcome = json.loads(stdout)
    assert code == 0 and outcome["status"] == "succeeded", outcome["error"]
    validator = _loaded_by(
        "import sys\n"
        "from meta_agent.scripting.validate import ScriptValidator\n"
        "from meta_agent.tool_library.tool_registry import default_registry\n"
        f"ScriptValidator(default_registry()).validate(open({str(script)!r}).read())",
        tmp_path,
    )
    assert set(loaded) <= set(validator), set(loaded) - set(validator)


def test_fast_and_typer_paths_give_the_same_outcome(sample_db_url: str, tmp_path: Path) -> None:
    """``--debug`` in front sends the same command through Typer."""
    script = tmp_path / "bad.py"
    script.write_text("import os\nprint(os.environ)\n")
    common = ["--yes", "--json", "--database", sample_db_url, "--runs-dir", str(tmp_path / "r")]
    fast_code, fast_out, fast_loaded = _run_cli(["exec", str(script), *common], tmp_path)
    slow_code, slow_out, slow_loaded = _run_cli(["--debug", "exec", str(script), *common], tmp_path)
    assert "typer" not in fast_loaded and "typer" in slow_loaded
    assert fast_code == slow_code == 3
    fast, slow = json.loads(fast_out), json.loads(slow_out)
    assert fast["status"] == slow["status"] == "rejected"
    assert fast.keys() == slow.keys()
    assert fast["findings"] == slow["findings"] and fast["findings"]


def test_the_console_script_exits_with_the_commands_code_and_all_its_output(
    sample_db_url: str, tmp_path: Path
) -> None:
    """``main`` skips the interpreter's teardown, never the exit code or the output."""
    script = tmp_path / "bad.py"
    script.write_text("import os\nprint(os.environ)\n")
    entry = "import sys; from meta_agent.cli.main import main; sys.argv[0] = 'meta-agent'; main()"
    common = ["--yes", "--json", "--database", sample_db_url, "--runs-dir", str(tmp_path / "r")]
    rejected = subprocess.run(
        [sys.executable, "-c", entry, "exec", str(script), *common], capture_output=True, text=True
    )
    assert rejected.returncode == 3
    assert json.loads(rejected.stdout)["status"] == "rejected"
    usage = subprocess.run(
        [sys.executable, "-c", entry, "exec", str(script), "--bogus"],
        capture_output=True,
        text=True,
    )
    assert usage.returncode == 2 and "No such option: --bogus" in usage.stderr


def test_a_head_start_the_backend_cannot_give_goes_unmentioned(
    sample_db_url: str, tmp_path: Path
) -> None:
    """exec asks for a warm sandbox for its script; the process backend has none: no warning."""
    script = tmp_path / "noop.py"
    script.write_text('print("noop")\n')
    entry = "import sys; from meta_agent.cli.main import main; sys.argv[0] = 'meta-agent'; main()"
    done = subprocess.run(
        [sys.executable, "-c", entry, "exec", str(script), "--yes", "--json", "--sandbox",
         "process", "--database", sample_db_url, "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0 and json.loads(done.stdout)["resources"]["backend"] == "process"
    assert "warm pool" not in done.stderr
