"""The CLI fixture of tests/cli, for the end-to-end runs of ``meta-agent simulate``."""

from tests.cli.conftest import CliResult, cli

__all__ = ["CliResult", "cli"]
