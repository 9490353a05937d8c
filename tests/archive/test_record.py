"""The archive's own jobs, split out of the pipeline: the run record, re-run comparison, packing."""

from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from meta_agent.archive.compare import compare_results
from meta_agent.archive.history import RunHistory
from meta_agent.archive.pack import pack_run
from meta_agent.archive.record import record_run
from meta_agent.archive.run_folder import MAX_RESULTS_JSON_BYTES, RunFolder
from meta_agent.errors import ExecutionError, Finding, RunNotFound


@dataclass
class Finished:
    status: str = "failed"
    error: str | None = "boom"
    phases: dict[str, float] = field(default_factory=lambda: {"execute": 1.5, "total": 2.0})
    resources: dict[str, Any] = field(default_factory=lambda: {"backend": "bwrap"})
    interpretations: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=lambda: [Finding(3, "import", "no os")])
    warnings: list[str] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=lambda: ["a.csv"])
    dry_run: bool = False


def test_record_run_writes_the_manifest_and_the_history_row(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "dscr")
    (folder.results / "a.csv").write_text("a\n1\n")
    manifest = record_run(
        tmp_path,
        folder,
        Finished(),
        kind="exec",
        request="dscr",
        created_at="2026-12-07T05:00:00.000+00:00",
        tools_used=["calculate_dscr"],
        tool_versions={"calculate_dscr": "1.0.0"},
    )
    on_disk = json.loads(folder.manifest.read_text())
    assert on_disk == manifest
    assert on_disk["status"] == "failed" and on_disk["error"] == "boom"
    assert on_disk["findings"] == [{"line": 3, "rule": "import", "message": "no os"}]
    assert "results/a.csv" in on_disk["files"] and "manifest.json" not in on_disk["files"]
    with RunHistory(tmp_path) as history:
        row = history.get(folder.run_id)
    assert (row.status, row.kind, row.duration_seconds, row.backend) == (
        "failed",
        "exec",
        1.5,
        "bwrap",
    )
    assert row.tools_used == ["calculate_dscr"] and row.finished_at == on_disk["finished_at"]


def test_results_json_is_read_as_plain_json_only(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "x")
    assert folder.summary() == {}
    summary = folder.results / "results.json"
    summary.write_text('{"dscr": 1.3}')
    assert folder.summary() == {"dscr": 1.3}
    summary.write_text("[1, 2]")
    assert folder.summary() == {"value": [1, 2]}
    summary.write_text("{not json")
    assert folder.summary() == {"error": "results.json is not valid JSON"}
    summary.write_bytes(b" " * (MAX_RESULTS_JSON_BYTES + 1))
    assert "larger than the summary limit" in folder.summary()["error"]
    summary.unlink()
    os.symlink(tmp_path / "elsewhere.json", summary)
    (tmp_path / "elsewhere.json").write_text('{"stolen": true}')
    assert folder.summary() == {}


def test_compare_results_matches_data_and_documents_by_presence(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for folder in (old, new):
        folder.mkdir()
    (old / "a.csv").write_text("1\n")
    (new / "a.csv").write_text("1\n")
    (old / "r.pdf").write_bytes(b"%PDF made at 10:00")
    (new / "r.pdf").write_bytes(b"%PDF made at 10:01")
    assert compare_results(old, new) == (True, [])
    (new / "a.csv").write_text("2\n")
    (old / "gone.json").write_text("{}")
    (new / "extra.md").write_text("#")
    identical, differences = compare_results(old, new)
    assert not identical
    assert differences == [
        "a.csv: content differs",
        "extra.md: new in the re-run",
        "gone.json: missing from the re-run",
    ]


def test_pack_run_leaves_links_out_and_finds_runs_by_prefix(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "pack me")
    (folder.results / "a.csv").write_text("1\n")
    os.symlink("/etc/passwd", folder.results / "link")
    record_run(
        tmp_path,
        folder,
        Finished(status="succeeded", error=None),
        kind="ask",
        request="pack me",
        created_at="2026-12-07T05:00:00.000+00:00",
    )
    target = pack_run(tmp_path, folder.run_id[:12])
    assert target == tmp_path / "archives" / f"{folder.run_id}.tar.gz"
    with tarfile.open(target) as tar:
        names = set(tar.getnames())
    assert f"{folder.run_id}/results/a.csv" in names
    assert f"{folder.run_id}/manifest.json" in names
    assert f"{folder.run_id}/results/link" not in names
    with pytest.raises(RunNotFound):
        pack_run(tmp_path, "no-such-run")
    for path in sorted(folder.root.rglob("*"), reverse=True):
        path.unlink() if not path.is_dir() or path.is_symlink() else path.rmdir()
    folder.root.rmdir()
    with pytest.raises(ExecutionError, match="is gone"):
        pack_run(tmp_path, folder.run_id)
