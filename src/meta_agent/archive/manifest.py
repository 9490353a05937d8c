"""The manifest: what happened in a run, how long each phase took, and a sha256 of every file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:  # the interpreter's own SHA-256 (3.11): hashlib loads OpenSSL first, ~2 ms of each run
        from _sha256 import sha256
    except ImportError:  # 3.12+ (_sha2), or an interpreter without it: the same digest
        from hashlib import sha256

MANIFEST_VERSION = 1


def sha256_file(path: Path) -> str:
    digest = sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_inventory(root: Path, skip: tuple[str, ...] = ("manifest.json",)) -> dict[str, Any]:
    """{relative path: {sha256, bytes}} for every regular file under ``root``."""
    inventory: dict[str, Any] = {}
    for path in sorted(root.rglob("*")):
        relative = str(path.relative_to(root))
        if relative in skip or path.is_symlink() or not path.is_file():
            continue
        inventory[relative] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return inventory


def build_manifest(root: Path, **fields: Any) -> dict[str, Any]:
    """The manifest of a finished run folder: the given fields plus the file inventory."""
    return {"manifest_version": MANIFEST_VERSION, **fields, "files": file_inventory(root)}
