"""The run log: live, ordered, timestamped, tagged, capped; heartbeats for elapsed-time displays."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from meta_agent.runtime import Executor, RunSpec
from meta_agent.runtime.logstream import MAX_LINE_BYTES, LineSplitter, LogWriter
from meta_agent.runtime.redact import Redactor

LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[(stdout|stderr|runtime)\] (.*)$")


@pytest.fixture(params=["bwrap", "process"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "bwrap":
        request.getfixturevalue("bwrap_ok")
    return str(request.param)


def test_lines_stream_live_in_order_with_timestamps(
    backend: str, make_script: Any, run_dir: Path
) -> None:
    script = make_script(
        "import sys, time\n"
        "for i in range(6):\n"
        "    stream = sys.stdout if i % 2 == 0 else sys.stderr\n"
        "    print(f'line {i}', file=stream)\n"
        "    time.sleep(0.05)\n"
        "time.sleep(1.0)\n"
        "print('last')\n"
    )
    received: list[tuple[float, str, str]] = []
    spec = RunSpec(
        script, run_dir, on_log=lambda s, line: received.append((time.monotonic(), s, line))
    )
    started = time.monotonic()
    with Executor(backend) as executor:
        result = executor.run(spec)
    finished = time.monotonic()
    assert result.status == "succeeded", result.error
    script_lines = [(s, line) for _, s, line in received if s != "runtime"]
    assert script_lines == [
        ("stdout", "line 0"),
        ("stderr", "line 1"),
        ("stdout", "line 2"),
        ("stderr", "line 3"),
        ("stdout", "line 4"),
        ("stderr", "line 5"),
        ("stdout", "last"),
    ]
    first_seen = next(t for t, _, line in received if line == "line 0")
    assert first_seen - started < finished - started - 0.8  # delivered while the script ran
    stamps = []
    for raw in (run_dir / "logs" / "run.log").read_text().splitlines():
        match = LINE.match(raw)
        assert match, raw
        stamps.append(match.group(1))
    assert stamps == sorted(stamps)


def test_heartbeat_ticks(backend: str, make_script: Any, run_dir: Path) -> None:
    ticks: list[float] = []
    script = make_script("import time\ntime.sleep(1.7)\n")
    with Executor(backend) as executor:
        executor.run(RunSpec(script, run_dir, on_tick=ticks.append))
    assert len(ticks) >= 2
    assert ticks == sorted(ticks) and ticks[0] >= 0.5


def test_writer_caps_splits_and_survives_garbage(tmp_path: Path) -> None:
    writer = LogWriter(tmp_path / "logs" / "run.log", 4096, Redactor(["tok"]))
    splitter = LineSplitter(writer, "stdout")
    splitter.feed(b"\xff\xfe binary tok\n" + b"a" * (MAX_LINE_BYTES + 10))
    splitter.feed(b"\nend")
    splitter.close()
    writer.close()
    text = (tmp_path / "logs" / "run.log").read_text()
    assert "\ufffd\ufffd binary ***" in text
    assert writer.breached.is_set()  # the long line did not fit in 4 KB
    assert len(text.encode()) < 4096 + 200


def test_callback_errors_do_not_break_the_run(make_script: Any, run_dir: Path) -> None:
    def broken(stream: str, line: str) -> None:
        raise RuntimeError("display crashed")

    with Executor("process") as executor:
        result = executor.run(RunSpec(make_script("print('x')\n"), run_dir, on_log=broken))
    assert result.status == "succeeded"
