"""Where a run's network broker listens: a private folder bound into the sandbox from its start.

Apart from the broker itself (broker.py, which needs sockets, threads and the HTTP client), so a
sandbox can be started, with its channel bound in, before any of that is imported.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from meta_agent.runtime.environment import Bind

SANDBOX_BROKER_DIR = "/run/meta-agent/broker"
SOCKET_NAME = "broker.sock"
SANDBOX_BROKER_SOCKET = f"{SANDBOX_BROKER_DIR}/{SOCKET_NAME}"


class Channel:
    """The private folder (mode 0700) that holds a run's broker socket, bound into its sandbox.

    Made before the sandbox starts (a warm-pool member's at its start), so its bind is part of
    the sandbox from the beginning; the socket appears in it when a broker listens.
    """

    def __init__(self) -> None:
        # In the system's temporary folder: a socket path must stay under 108 bytes.
        self.folder = Path(tempfile.mkdtemp(prefix="meta-agent-broker-"))
        self.folder.chmod(0o700)

    @property
    def socket_path(self) -> Path:
        return self.folder / SOCKET_NAME

    def bind(self) -> Bind:
        """The folder, read-only: connecting to a socket needs no writable mount."""
        return Bind(self.folder, SANDBOX_BROKER_DIR)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
