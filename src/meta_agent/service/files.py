"""Serving a run's result files: only files listed in results/, with content types that are safe.

A name is served only when it is one of ``RunFolder.artifacts()`` (regular files, no symlinks,
found under results/) and its resolved path is still inside results/: ``..``, absolute paths,
encoded slashes and links all end in 404. Everything is a download (``Content-Disposition:
attachment``) with ``nosniff`` and a sandboxing CSP, so an HTML or SVG a script wrote can never
run in the service's origin.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi.responses import FileResponse

from meta_agent.archive.run_folder import RunFolder

SAFE_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".log": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FALLBACK_TYPE = "application/octet-stream"  # .html, .svg and anything else: bytes, not a page


def artifact_response(folder: RunFolder, name: str) -> FileResponse | None:
    """The file ``name`` of ``folder``'s results as a download, or None if it is not one."""
    if name not in folder.artifacts():
        return None
    results = folder.results.resolve()
    path = (folder.results / name).resolve()
    if not path.is_relative_to(results) or not path.is_file():
        return None
    download = Path(name).name
    ascii_name = download.encode("ascii", "replace").decode().replace('"', "_")
    return FileResponse(
        path,
        media_type=SAFE_TYPES.get(path.suffix.lower(), FALLBACK_TYPE),
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(download)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )
