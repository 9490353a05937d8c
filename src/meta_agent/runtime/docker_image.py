"""The docker backend's default image: an empty root into which the host's Python is mounted.

No registry is needed and nothing is installed: the image holds only mount points, a /tmp with
the sticky bit, a two-line /etc/passwd and the host's top-level library symlinks (/lib ->
usr/lib), about 10 KB. At run time the interpreter, the project's environment, the package and
the system libraries are bind-mounted read-only, exactly the directories the bwrap backend binds
(mounts.py), so a container runs the same Python and packages as every other backend.

The image is built from a tar made here byte for byte the same each time (fixed order, times and
owners) and tagged with a hash of that tar: it is imported once per engine and found again by
its tag afterwards. An image built otherwise (Dockerfile.base, with Python inside) is chosen with
META_AGENT_DOCKER_IMAGE; one carrying the label ``org.meta-agent.python=host`` is treated like
this one.

Build it ahead of time (scripts/docker-engine does) with ``python -m meta_agent.runtime.docker_image``.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from typing import Any

from meta_agent.runtime.environment import SANDBOX_DB_DIR, SANDBOX_DIR, SANDBOX_PG_SOCKET_DIR
from meta_agent.runtime.mounts import system_library_binds

REPOSITORY = "meta-agent-sandbox"
PYTHON_LABEL = "org.meta-agent.python"  # "host": the interpreter is mounted from the host
SANDBOX_ID = 65534  # the unprivileged uid/gid containers run as when the runtime is root
RECIPE = 1  # bump when the layout below changes meaning without changing its bytes
PASSWD = f"root:x:0:0:root:/:/nonexistent\nsandbox:x:{SANDBOX_ID}:{SANDBOX_ID}::/tmp:/nonexistent\n"
GROUP = f"root:x:0:\nsandbox:x:{SANDBOX_ID}:\n"
DIRECTORIES = (
    "dev", "proc", "sys", "etc", "usr", "run", "run/meta-agent", SANDBOX_DB_DIR.lstrip("/"),
    SANDBOX_PG_SOCKET_DIR.lstrip("/"), SANDBOX_DIR.lstrip("/"), f"{SANDBOX_DIR.lstrip('/')}/results",
)  # fmt: skip


def root_tar() -> bytes:
    """The image's whole file system as a reproducible tar."""
    _, symlinks = system_library_binds("")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:

        def add(name: str, kind: bytes, mode: int, data: bytes = b"", link: str = "") -> None:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.linkname, info.size = kind, mode, link, len(data)
            info.mtime = info.uid = info.gid = 0
            tar.addfile(info, io.BytesIO(data) if data else None)

        # /tmp must be world-writable in the image: Docker copies its mode onto the tmpfs.
        add("tmp", tarfile.DIRTYPE, 0o1777)
        for directory in sorted(DIRECTORIES):  # parents sort before their children
            add(directory, tarfile.DIRTYPE, 0o755)
        for target, link in sorted(symlinks):
            add(link.lstrip("/"), tarfile.SYMTYPE, 0o777, link=target)
        add("etc/passwd", tarfile.REGTYPE, 0o644, PASSWD.encode())
        add("etc/group", tarfile.REGTYPE, 0o644, GROUP.encode())
    return buffer.getvalue()


def host_image_tag(data: bytes | None = None) -> str:
    """``meta-agent-sandbox:host-<hash>``: the tag names the exact file system inside."""
    digest = hashlib.sha256(data if data is not None else root_tar())
    digest.update(f"recipe {RECIPE}".encode())
    return f"{REPOSITORY}:host-{digest.hexdigest()[:16]}"


def ensure_host_image(client: Any) -> str:
    """The host-Python image's tag, importing it into the engine only if it is not there yet."""
    from docker.errors import ImageNotFound

    data = root_tar()
    tag = host_image_tag(data)
    try:
        client.images.get(tag)
    except ImageNotFound:
        repository, _, version = tag.partition(":")
        client.api.import_image_from_data(
            data,
            repository=repository,
            tag=version,
            changes=[f"LABEL {PYTHON_LABEL}=host", f"WORKDIR {SANDBOX_DIR}"],
        )
        client.images.get(tag)  # proves the import worked (ImageNotFound otherwise)
    return tag


def main() -> int:
    """Import the image into the engine at DOCKER_HOST (or the default socket); print its tag."""
    import docker

    client = docker.from_env()
    try:
        print(ensure_host_image(client))
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
