"""Every error Meta-Agent raises on purpose; ``str(err)`` is the sentence the user sees.

    MetaAgentError
    ├── ConfigError               a setting is missing or malformed
    ├── DatabaseError             the portfolio database cannot be used (exit code 2)
    │   ├── DatabaseMissing       a SQLite file that does not exist (never created as a side effect)
    │   ├── NotADatabase          a file that is not a SQLite database
    │   ├── DatabaseUnreachable   a server that refuses the connection (host and port, no password)
    │   ├── PortfolioMissing      a database without the portfolio's tables: run ``db init``
    │   ├── PortfolioExists       ``db init`` would overwrite a portfolio without --force
    │   └── ImportRejected        ``db import`` files that cannot be loaded; carries every problem
    ├── ToolError                 a tool was called with input it cannot work with
    │   ├── UnknownTool           no tool of that name in the registry
    │   ├── UndefinedMetric       a metric has no defined value (DSCR with no debt, ...)
    │   ├── UnsafeQuery           SQL that is not a single parameterised SELECT
    │   ├── UnknownProperty       no property with that id
    │   ├── OutputPathError       a file would be written outside the results folder
    │   └── ExternalServiceError  an external API failed, timed out or is not allowed
    ├── RequestRejected           a request that cannot be understood or must not be done
    ├── ScenarioInvalid           a simulation scenario with an unknown, mistyped or impossible field
    ├── ScriptRejected            a script failed validation; carries the findings
    ├── ExecutionError            the sandbox could not run a script
    │   └── SandboxUnavailable    no sandbox that isolates scripts can start here (status error)
    ├── RunNotFound               no archived run with that id
    └── ActionNotAllowed          the run's status does not allow it (approving a finished run)

Apart from the family: ``Interrupted`` (a ``KeyboardInterrupt``) is how a stop asked for by a
signal (Ctrl-C's SIGINT, a service manager's SIGTERM) travels up, so that nothing catching
``Exception`` swallows it; the pipeline records the run as ``cancelled`` on its way.

Error classes do no I/O and no logging; the CLI renders them in one place.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class MetaAgentError(Exception):
    """Base of every error we raise on purpose; str(err) is what the user sees."""

    exit_code = 1
    http_status = 500


class ConfigError(MetaAgentError):
    """A setting is missing or malformed."""

    exit_code = 2
    http_status = 400


class DatabaseError(MetaAgentError):
    """The portfolio database cannot be used: a configuration problem, so exit code 2."""

    exit_code = 2
    http_status = 503


class DatabaseMissing(DatabaseError):
    """A SQLite database file that does not exist."""


class NotADatabase(DatabaseError):
    """A file that SQLite cannot read as a database."""


class DatabaseUnreachable(DatabaseError):
    """A database server that cannot be connected to (refused, unknown host, bad password)."""


class PortfolioMissing(DatabaseError):
    """A database that opens but holds none (or not all) of the portfolio's tables."""


class PortfolioExists(DatabaseError):
    """``db init`` would overwrite an existing portfolio."""

    http_status = 409


class ImportRejected(DatabaseError):
    """Files given to ``db import`` cannot be loaded as they are; nothing was written."""

    exit_code = 3
    http_status = 422

    def __init__(self, message: str, problems: Sequence[str]) -> None:
        super().__init__(message)
        self.problems = list(problems)


class ToolError(MetaAgentError):
    """A tool was given input it cannot work with."""

    http_status = 400


class UnknownTool(ToolError):
    """No tool of that name is registered."""

    http_status = 404

    def __init__(self, name: str, known: Sequence[str] = ()) -> None:
        hint = f" Close names: {', '.join(known)}." if known else ""
        super().__init__(f"No tool named {name!r}; `meta-agent tools` lists them.{hint}")
        self.name = name


class UndefinedMetric(ToolError):
    """A metric has no defined value for these inputs (DSCR with no debt, IRR with no sign change)."""


class UnsafeQuery(ToolError):
    """SQL that is not a single, parameterised, read-only SELECT."""


class UnknownProperty(ToolError):
    """No property with that id exists in the portfolio."""

    http_status = 404


class OutputPathError(ToolError):
    """A file would be written outside the run's results folder."""


class ExternalServiceError(ToolError):
    """An external API failed, timed out, or its host is not allowed."""

    http_status = 502


class RequestRejected(MetaAgentError):
    """A request that cannot be understood with confidence, or must not be carried out."""

    http_status = 422

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.suggestions = list(suggestions)


class ScenarioInvalid(MetaAgentError):
    """A simulation scenario that cannot be run as written; the message names scenario and field."""

    exit_code = 2
    http_status = 422

    def __init__(self, message: str, scenario: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.scenario = scenario
        self.field = field


@dataclass(frozen=True)
class Finding:
    """One problem the script validator found: where, which rule, and why."""

    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: [{self.rule}] {self.message}"


class ScriptRejected(MetaAgentError):
    """A script failed validation; ``findings`` lists every problem with its line."""

    http_status = 422

    def __init__(self, findings: Sequence[Finding], source: str = "script") -> None:
        self.findings = list(findings)
        lines = "; ".join(str(f) for f in self.findings[:5])
        more = f" (and {len(self.findings) - 5} more)" if len(self.findings) > 5 else ""
        super().__init__(
            f"The {source} was rejected by validation with {len(self.findings)} finding(s): "
            f"{lines}{more}"
        )


class ExecutionError(MetaAgentError):
    """The sandbox could not start or run a script."""


class SandboxUnavailable(ExecutionError):
    """No sandbox that isolates scripts can start here, so scripts are refused (status ``error``).

    Never answered by silently running the weak ``process`` backend: the message says why and
    what to do, and naming ``process`` is one of the choices.
    """

    http_status = 503


class RunNotFound(MetaAgentError):
    """No archived run has that id."""

    http_status = 404

    def __init__(self, run_id: str) -> None:
        super().__init__(f"No run with id {run_id!r}; `meta-agent runs` lists them.")
        self.run_id = run_id


class ActionNotAllowed(MetaAgentError):
    """An action on a run that its status does not allow (approving a finished run, ...)."""

    http_status = 409


# How a stop asked for by a signal is described to the user.
SIGNAL_REASONS: dict[int, str] = {
    signal.SIGINT: "the user pressed Ctrl-C (SIGINT)",
    signal.SIGTERM: "the process was asked to stop (SIGTERM, e.g. by a service manager or CI job)",
}


class Interrupted(KeyboardInterrupt):
    """A stop asked for by a signal; exit code 128 + the signal's number, as shells report it.

    ``outcome`` is the run that was cancelled (a ``pipeline.RunOutcome``, recorded as
    ``cancelled`` with its manifest and history row), or None when no run had started.
    """

    def __init__(self, signum: int = signal.SIGINT, outcome: Any = None) -> None:
        super().__init__(signum)
        self.signum = signum
        self.outcome = outcome

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def reason(self) -> str:
        return SIGNAL_REASONS.get(self.signum, f"the process received signal {self.signum}")

    def __str__(self) -> str:
        return f"Cancelled: {self.reason}."
