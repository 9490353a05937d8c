"""Settings: one class, read from ``META_AGENT_*`` variables, an optional ``.env``, and CLI options.

Built once at the edge (the CLI, a service) and passed down; library code never looks for it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from meta_agent import sandbox_defaults as limits
from meta_agent.errors import ConfigError
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD

ENV_PREFIX = "META_AGENT_"


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("meta-agent", appauthor=False))


class Settings(BaseSettings):
    """Everything Meta-Agent can be configured with; every field has a default."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", validate_default=True
    )

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder for the default SQLite portfolio and the runs folder.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the portfolio database; default: portfolio.db in data_dir.",
    )
    runs_dir: Path | None = Field(
        default=None,
        description="Where run folders and the run history live; default: data_dir/runs.",
    )
    sandbox: Literal["auto", "bwrap", "docker", "process"] = Field(
        default="auto",
        description=(
            "Which sandbox runs scripts; auto picks bwrap, then docker, and refuses without "
            "either; the weak process sandbox runs only when named."
        ),
    )
    timeout_seconds: float = Field(
        default=limits.DEFAULT_TIMEOUT_SECONDS, gt=0, description="Wall-clock limit per script."
    )
    cpu_seconds: int = Field(
        default=limits.DEFAULT_CPU_SECONDS, gt=0, description="CPU-time limit per script."
    )
    memory_mb: int = Field(
        default=limits.DEFAULT_MEMORY_MB,
        gt=0,
        description="Memory limit per script (the plan's 512 MB).",
    )
    max_processes: int = Field(
        default=limits.DEFAULT_MAX_PROCESSES,
        gt=0,
        description="Processes/threads a script may hold.",
    )
    max_output_mb: float = Field(
        default=limits.DEFAULT_MAX_OUTPUT_MB, gt=0, description="Largest single result file."
    )
    max_total_output_mb: float = Field(
        default=limits.DEFAULT_MAX_TOTAL_OUTPUT_MB, gt=0, description="All result files together."
    )
    max_log_mb: float = Field(
        default=limits.DEFAULT_MAX_LOG_MB, gt=0, description="Largest run log kept."
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts external tools may reach (empty: none); a JSON list or comma-separated.",
    )
    external_api_key: SecretStr | None = Field(
        default=None, description="Key sent to the configured external data API, if it needs one."
    )
    geocoder_url: str | None = Field(
        default=None, description="Base URL of an online geocoder; default: the offline gazetteer."
    )
    census_url: str | None = Field(
        default=None, description="Base URL of an online demographics API; default: offline data."
    )
    at_risk_threshold: float = Field(
        default=DEFAULT_AT_RISK_THRESHOLD,
        gt=0,
        description="DSCR below which a property is at risk (DOMAIN.md).",
    )
    load_plugins: bool = Field(
        default=True, description="Load third-party tools from the meta_agent.tools entry points."
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Redis for Celery simulation workers (broker and results; --executor celery).",
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _hosts(cls, value: Any) -> Any:
        """Accept `["a", "b"]` (JSON) as well as `a,b`, the way people write it in a shell."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or the default SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.default_database_path}"

    @property
    def default_database_path(self) -> Path:
        return self.data_dir / "portfolio.db"

    @property
    def uses_default_database(self) -> bool:
        return not self.database_url

    @property
    def resolved_runs_dir(self) -> Path:
        return self.runs_dir if self.runs_dir is not None else self.data_dir / "runs"


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with command-line values (those not None) on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None
    except ValueError as exc:  # e.g. a malformed JSON list in the environment
        raise ConfigError(f"A setting could not be read: {exc}") from None


def _explain(exc: ValidationError) -> str:
    """One sentence per invalid setting: which, where it is set, what was wrong."""
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        given = error.get("input")
        problems.append(
            f"{name} (environment variable META_AGENT_{name.upper()}, or its command-line "
            f"option) = {given!r}: "
            f"{error['msg']}"
        )
    return "Invalid setting: " + "; ".join(problems) + "."


SECRET_WORDS = ("password", "secret", "token", "key")


def mask_url(url: str) -> str:
    """A database URL with its password replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown masked whole
        return "***"


def describe_settings(settings: Settings, overrides: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, value shown, source) for every setting, secrets masked, for ``meta-agent config``."""
    dotenv = _read_dotenv(Path(".env"))
    rows: list[tuple[str, str, str]] = []
    for name in Settings.model_fields:
        env_name = f"{ENV_PREFIX}{name.upper()}"
        if overrides.get(name) is not None:
            source = "command-line option"
        elif env_name in os.environ:
            source = f"environment ({env_name})"
        elif env_name in dotenv:
            source = ".env file"
        else:
            source = "default"
        value: Any = getattr(settings, name)
        if isinstance(value, SecretStr):
            shown = "***" if value.get_secret_value() else ""
        elif value is None:
            shown = "(not set)"
        elif name == "database_url":
            shown = mask_url(str(value))
        elif any(word in name for word in SECRET_WORDS):
            shown = "***"
        else:
            shown = str(value)
        rows.append((name, shown, source))
    rows.append(("(database in force)", mask_url(settings.resolved_database_url), "derived"))
    rows.append(("(runs folder in force)", str(settings.resolved_runs_dir), "derived"))
    return rows


def _read_dotenv(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    names = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            names.add(line.split("=", 1)[0].strip().removeprefix("export ").strip())
    return names
