"""Results cross to the host as checked files only: links and special files refused, types checked."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

from meta_agent.runtime import Executor, Limits, RunSpec
from meta_agent.runtime.collect import collect

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
LIMITS = Limits(max_output_mb=1, max_total_output_mb=2)


@pytest.fixture()
def results(tmp_path: Path) -> Path:
    folder = tmp_path / "results"
    folder.mkdir()
    return folder


def test_good_outputs_pass(results: Path) -> None:
    (results / "chart.png").write_bytes(PNG)
    (results / "report.pdf").write_bytes(b"%PDF-1.7\n...")
    (results / "book.xlsx").write_bytes(b"PK\x03\x04rest")
    (results / "table.csv").write_text("a,b\n1,2\n")
    (results / "summary.json").write_text('{"ok": true}')
    (results / "charts").mkdir()
    (results / "charts" / "trend.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    found = collect(results, LIMITS, ["table.csv", "charts/trend.svg"])
    assert found.problems == [] and found.limit is None
    assert found.artifacts == [
        "book.xlsx",
        "chart.png",
        "charts/trend.svg",
        "report.pdf",
        "summary.json",
        "table.csv",
    ]


def test_links_and_special_files_are_removed_not_followed(results: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("host file")
    os.symlink(outside, results / "link.csv")
    os.symlink("/etc/passwd", results / "dangling-ish.csv")
    (results / "a.csv").write_text("1\n")
    os.link(results / "a.csv", results / "b.csv")
    os.mkfifo(results / "pipe.csv")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(results / "sock.json"))
    server.close()
    found = collect(results, LIMITS, None)
    assert found.artifacts == []
    assert len(found.problems) == 6
    assert sorted(os.listdir(results)) == []
    assert outside.read_text() == "host file"  # the link's target was never touched


def test_types_are_checked_by_content(results: Path) -> None:
    (results / "chart.png").write_text("<html>not a png</html>")
    (results / "summary.json").write_bytes(b"\x80\x04pickle")
    (results / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (results / "table.csv").write_bytes(b"\x00\x01\x02")
    found = collect(results, LIMITS, None)
    assert len(found.problems) == 4
    assert any("'chart.png' is not a PNG image" in p for p in found.problems)


def test_expected_outputs_must_exist(results: Path) -> None:
    (results / "dscr.csv").write_text("x\n")
    found = collect(results, LIMITS, ["dscr.csv", "dscr.png"])
    assert found.problems == ["expected output 'dscr.png' was not produced"]


def test_sizes_are_checked(results: Path) -> None:
    (results / "capped.csv").write_bytes(b"x" * LIMITS.output_bytes)
    found = collect(results, LIMITS, None)
    assert found.limit == "output_limit"


def test_deep_folders_are_refused(results: Path) -> None:
    deep = results / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "x.csv").write_text("1\n")
    found = collect(results, LIMITS, None)
    assert found.problems and found.artifacts == []


@pytest.mark.parametrize("backend", ["bwrap", "process"])
def test_run_fails_on_missing_expected_output(
    backend: str, request: pytest.FixtureRequest, make_script: Any, run_dir: Path
) -> None:
    if backend == "bwrap":
        request.getfixturevalue("bwrap_ok")
    script = make_script(
        "import os\n"
        "open(os.path.join(os.environ['META_AGENT_RESULTS_DIR'], 'dscr.csv'), 'w').write('a\\n1\\n')\n"
    )
    with Executor(backend) as executor:
        ok = executor.run(RunSpec(script, run_dir, expected_outputs=["dscr.csv"]))
        missing = executor.run(
            RunSpec(script, run_dir.with_name("run2"), expected_outputs=["x.png"])
        )
    assert ok.status == "succeeded" and ok.artifacts == ["dscr.csv"]
    assert missing.status == "failed"
    assert "expected output 'x.png' was not produced" in (missing.error or "")
