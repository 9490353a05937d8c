"""Compare a re-run's results with the original's: are they the same answer?"""

from __future__ import annotations

from pathlib import Path

from meta_agent.archive.manifest import file_inventory

DOCUMENT_SUFFIXES = (".pdf", ".xlsx", ".png", ".svg")  # they embed their generation time


def compare_results(old: Path, new: Path) -> tuple[bool, list[str]]:
    """Compare two results folders: data files byte for byte (sha256), documents by presence.

    PDFs, workbooks and charts carry the time they were made, so two faithful runs never match
    byte for byte; what must match is the data they were made from (CSV, JSON, Markdown).
    """
    before = file_inventory(old, skip=()) if old.is_dir() else {}
    after = file_inventory(new, skip=()) if new.is_dir() else {}
    differences = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            differences.append(f"{name}: missing from the re-run")
        elif name not in before:
            differences.append(f"{name}: new in the re-run")
        elif name.lower().endswith(DOCUMENT_SUFFIXES):
            continue
        elif before[name]["sha256"] != after[name]["sha256"]:
            differences.append(f"{name}: content differs")
    return not differences, differences
