"""Settings: one class, read from ``META_AGENT_*`` variables, an optional ``.env``, and CLI options.

Built once at the edge (the CLI, a service) and passed down; library code never looks for it.
Command-line values win over the environment, which wins over ``.env``, which wins over the
defaults. Every value is checked, and an invalid one is a ``ConfigError`` that names the setting,
where it came from and what is wrong with it.

Plain standard library on purpose: settings are read before every command, and pydantic-settings
cost ~0.1 s to import, as long as a whole ``meta-agent exec`` of a short script should take.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from meta_agent.errors import ConfigError

# The defaults, each written once: DOMAIN.md's at-risk threshold, and the sandbox limits (shared
# with runtime.backend.Limits, so a bare Limits() behaves like an unconfigured install).
from meta_agent.formulas import DEFAULT_AT_RISK_THRESHOLD
from meta_agent.sandbox_defaults import (
    DEFAULT_CPU_SECONDS,
    DEFAULT_MAX_LOG_MB,
    DEFAULT_MAX_OUTPUT_MB,
    DEFAULT_MAX_PROCESSES,
    DEFAULT_MAX_TOTAL_OUTPUT_MB,
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_SECONDS,
)

ENV_PREFIX = "META_AGENT_"
DOTENV_FILE = ".env"  # read from the current folder, like a shell user expects

SandboxName = Literal["auto", "bwrap", "docker", "process"]
SANDBOXES: tuple[SandboxName, ...] = ("auto", "bwrap", "docker", "process")
PlannerName = Literal["offline", "llm", "auto"]
PLANNERS: tuple[PlannerName, ...] = ("offline", "llm", "auto")
ProviderName = Literal["openai", "anthropic"]
PROVIDERS: tuple[ProviderName, ...] = ("openai", "anthropic")
PRICE_FIELDS = ("input_per_mtok", "output_per_mtok")  # USD per million tokens, as vendors quote
TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "on"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n", "off"})


class SecretStr:
    """A secret value that shows itself only through ``get_secret_value()``, never in a repr."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('**********')"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


# --- readers: each turns a value from a caller or an environment string into the field's type ----

Reader = Callable[[object], Any]


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _optional(read: Reader) -> Reader:
    """None, or an empty string (``META_AGENT_X=``), means "not set"."""

    def optional(value: object) -> Any:
        return None if value is None or value == "" else read(value)

    return optional


def _path(value: object) -> Path:
    if isinstance(value, Path):
        return value
    return Path(_text(value))


def _positive(kind: type[int] | type[float]) -> Reader:
    def positive(value: object) -> int | float:
        number: int | float
        if isinstance(value, bool):
            raise ValueError("must be a number, not true/false")
        if isinstance(value, str):
            try:
                number = kind(value.strip())
            except ValueError:
                raise ValueError(f"must be a {_number_word(kind)}") from None
        elif isinstance(value, int | float):
            number = value
        else:
            raise ValueError(f"must be a {_number_word(kind)}")
        if kind is int:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError("must be a whole number")
            number = int(number)
        else:
            number = float(number)
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
        if number <= 0:
            raise ValueError("must be greater than 0")
        return number

    return positive


def _non_negative_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    try:
        number = int(value.strip()) if isinstance(value, str) else value
    except ValueError:
        raise ValueError("must be a whole number") from None
    if not isinstance(number, int) and not (isinstance(number, float) and number.is_integer()):
        raise ValueError("must be a whole number")
    if number < 0:
        raise ValueError("must be 0 or more")
    return int(number)


def _number_word(kind: type[int] | type[float]) -> str:
    return "whole number" if kind is int else "number"


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("must be true or false (also 1/0, yes/no, on/off)")


def _sandbox(value: object) -> SandboxName:
    for name in SANDBOXES:
        if value == name:
            return name
    raise ValueError(f"must be one of {', '.join(SANDBOXES)}")


def _planner(value: object) -> PlannerName:
    for name in PLANNERS:
        if value == name:
            return name
    raise ValueError(
        f"must be one of {', '.join(PLANNERS)} (offline: the built-in planner; llm: the "
        "configured model; auto: the model when configured, else or on failure the built-in one)"
    )


def _provider(value: object) -> ProviderName:
    for name in PROVIDERS:
        if value == name:
            return name
    raise ValueError(f"must be one of {', '.join(PROVIDERS)}")


def _prices(value: object) -> dict[str, dict[str, float]]:
    """A price table: inline JSON, or the path of a JSON or YAML file, as model -> prices."""
    table = value
    if isinstance(value, Path) or (isinstance(value, str) and not value.strip().startswith("{")):
        path = Path(value)
        if not path.is_file():
            raise ValueError(f"is neither inline JSON nor an existing file ({path})")
        table = _read_table(path)
    elif isinstance(value, str):
        try:
            table = json.loads(value)
        except ValueError as exc:
            raise ValueError(f"is not valid JSON ({exc})") from None
    if not isinstance(table, dict):
        raise ValueError('must map model names to {"input_per_mtok": USD, "output_per_mtok": USD}')
    prices: dict[str, dict[str, float]] = {}
    for model, entry in table.items():
        if not isinstance(entry, dict) or set(entry) != set(PRICE_FIELDS):
            raise ValueError(
                f"the price of {model!r} must be exactly "
                '{"input_per_mtok": USD, "output_per_mtok": USD}'
            )
        numbers = {}
        for name in PRICE_FIELDS:
            amount = entry[name]
            if isinstance(amount, bool) or not isinstance(amount, int | float) or amount < 0:
                raise ValueError(f"{model!r} {name} must be a number of USD, 0 or more")
            numbers[name] = float(amount)
        prices[str(model)] = numbers
    return prices


def _read_table(path: Path) -> object:
    """The contents of a JSON file, or of a YAML one (by its suffix)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path} is not valid YAML ({exc})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc})") from None


def _hosts(value: object) -> list[str]:
    """Accept `["a", "b"]` (JSON) as well as `a,b`, the way people write it in a shell."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise ValueError(f"is not a valid JSON list ({exc})") from None
        else:
            return [part.strip() for part in text.split(",") if part.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(h, str) for h in value):
        raise ValueError("must be a list of host names")
    return list(value)


def _secret(value: object) -> SecretStr:
    return value if isinstance(value, SecretStr) else SecretStr(_text(value))


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("meta-agent", appauthor=False))


_UNSET: Any = object()  # "not given by the caller": look in the environment, then the default


def setting(
    description: str,
    read: Reader,
    default: object = None,
    default_factory: Callable[[], object] | None = None,
) -> Any:
    """A field of ``Settings``: what it means, how to read it, its default."""
    return field(
        default=_UNSET,
        metadata={
            "description": description,
            "read": read,
            "default": default,
            "default_factory": default_factory,
        },
    )


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything Meta-Agent can be configured with; every field has a default.

    ``Settings()`` reads the environment and ``.env``; keyword arguments win over both.
    """

    data_dir: Path = setting(
        "Folder for the default SQLite portfolio and the runs folder.",
        _path,
        default_factory=_default_data_dir,
    )
    database_url: str | None = setting(
        "SQLAlchemy URL of the portfolio database; default: portfolio.db in data_dir.",
        _optional(_text),
    )
    runs_dir: Path | None = setting(
        "Where run folders and the run history live; default: data_dir/runs.", _optional(_path)
    )
    history_url: str | None = setting(
        "SQL URL of the run history shared by the CLI and the service: sqlite:///PATH or "
        "postgresql://USER@HOST:PORT/DB (a schema: ?options=-csearch_path%3DNAME); default: "
        "history.db in runs_dir.",
        _optional(_text),
    )
    sandbox: SandboxName = setting(
        "Which sandbox runs scripts; auto picks bwrap, then docker, and refuses without either; "
        "the weak process sandbox runs only when named.",
        _sandbox,
        "auto",
    )
    timeout_seconds: float = setting(
        "Wall-clock limit per script.", _positive(float), DEFAULT_TIMEOUT_SECONDS
    )
    cpu_seconds: int = setting("CPU-time limit per script.", _positive(int), DEFAULT_CPU_SECONDS)
    memory_mb: int = setting(
        "Memory limit per script (the plan's 512 MB).", _positive(int), DEFAULT_MEMORY_MB
    )
    max_processes: int = setting(
        "Processes/threads a script may hold.", _positive(int), DEFAULT_MAX_PROCESSES
    )
    max_output_mb: float = setting(
        "Largest single result file.", _positive(float), DEFAULT_MAX_OUTPUT_MB
    )
    max_total_output_mb: float = setting(
        "All result files together.", _positive(float), DEFAULT_MAX_TOTAL_OUTPUT_MB
    )
    max_log_mb: float = setting("Largest run log kept.", _positive(float), DEFAULT_MAX_LOG_MB)
    allowed_hosts: list[str] = setting(
        "Hosts external tools may reach (empty: none); a JSON list or comma-separated.",
        _hosts,
        default_factory=list,
    )
    external_api_key: SecretStr | None = setting(
        "Key sent to the configured external data API, if it needs one.", _optional(_secret)
    )
    geocoder_url: str | None = setting(
        "Base URL of an online geocoder; default: the offline gazetteer.", _optional(_text)
    )
    census_url: str | None = setting(
        "Base URL of an online demographics API; default: offline data.", _optional(_text)
    )
    at_risk_threshold: float = setting(
        "DSCR below which a property is at risk (DOMAIN.md).",
        _positive(float),
        DEFAULT_AT_RISK_THRESHOLD,
    )
    load_plugins: bool = setting(
        "Load third-party tools from the meta_agent.tools entry points.", _flag, True
    )
    redis_url: str = setting(
        "Redis for Celery simulation workers (broker and results; --executor celery).",
        _text,
        "redis://127.0.0.1:6379/0",
    )
    planner: PlannerName = setting(
        "Who plans a request: offline (the built-in planner), llm (the configured model), or "
        "auto (the model when one is configured, the built-in planner otherwise or on failure).",
        _planner,
        "offline",
    )
    llm_provider: ProviderName = setting(
        "Wire protocol of the model service: openai (any OpenAI-compatible server) or anthropic.",
        _provider,
        "openai",
    )
    llm_base_url: str | None = setting(
        "Base URL of the model service (e.g. http://localhost:11434/v1); default: the vendor's.",
        _optional(_text),
    )
    llm_model: str | None = setting("Model name sent to the service.", _optional(_text))
    llm_api_key: SecretStr | None = setting(
        "Key for the model service; sent only in its header, never logged or archived.",
        _optional(_secret),
    )
    llm_timeout_seconds: float = setting(
        "Longest wait for one answer of the model (less when the budget has less left).",
        _positive(float),
        60.0,
    )
    llm_max_retries: int = setting(
        "Retries of one call after a 429, a 5xx or a lost connection, with backoff.",
        _non_negative_int,
        3,
    )
    llm_max_repairs: int = setting(
        "Times a plan that fails its checks goes back to the model with the errors.",
        _non_negative_int,
        2,
    )
    llm_budget_tokens: int = setting(
        "Tokens (in and out) one request may spend on the model.", _positive(int), 120_000
    )
    llm_budget_seconds: float = setting(
        "Seconds one request may spend waiting for the model.", _positive(float), 120.0
    )
    llm_max_answer_tokens: int = setting(
        "Longest answer one call asks the model for (max_tokens): a plan needs a few hundred to "
        "~2,000; a model repeating itself stops there.",
        _positive(int),
        4096,
    )
    llm_budget_usd: float | None = setting(
        "Money one request may spend on the model (needs llm_prices for the model).",
        _optional(_positive(float)),
    )
    llm_prices: dict[str, dict[str, float]] | None = setting(
        'Price table: inline JSON or a JSON/YAML file, model -> {"input_per_mtok": USD, '
        '"output_per_mtok": USD}.',
        _optional(_prices),
    )

    def __post_init__(self) -> None:
        environment = _prefixed(os.environ)
        dotenv: dict[str, str] | None = None  # read only when some value is not in the env
        problems = []
        for spec in fields(self):
            value, origin = getattr(self, spec.name), "given on the command line or by the caller"
            env_name = ENV_PREFIX + spec.name.upper()
            if value is _UNSET:
                if dotenv is None:
                    dotenv = read_dotenv(Path(DOTENV_FILE))
                value, origin = _lookup(spec, env_name, environment, dotenv)
            try:
                object.__setattr__(self, spec.name, spec.metadata["read"](value))
            except ValueError as exc:
                shown = "***" if "key" in spec.name else repr(value)
                problems.append(f"{spec.name} ({origin}) = {shown}: {exc}")
        if problems:
            raise ConfigError("Invalid setting: " + "; ".join(problems) + ".")

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


def _lookup(
    spec: Field[Any], env_name: str, environment: Mapping[str, str], dotenv: Mapping[str, str]
) -> tuple[object, str]:
    """The value of a setting the caller left out, and where it was found."""
    if env_name in environment:
        return environment[env_name], f"environment variable {env_name}"
    if env_name in dotenv:
        return dotenv[env_name], f"{env_name} in {DOTENV_FILE}"
    factory = spec.metadata["default_factory"]
    return (factory() if factory is not None else spec.metadata["default"]), "default"


def _prefixed(variables: Mapping[str, str]) -> dict[str, str]:
    """Our variables, names upper-cased: ``meta_agent_sandbox`` counts as well."""
    return {
        name.upper(): value
        for name, value in variables.items()
        if name.upper().startswith(ENV_PREFIX)
    }


def read_dotenv(path: Path) -> dict[str, str]:
    """``META_AGENT_*`` assignments of a ``.env`` file (``export``, quotes and comments allowed)."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[name.strip().upper()] = value
    return _prefixed(values)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with command-line values (those not None) on top."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})


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
    environment = _prefixed(os.environ)
    dotenv = read_dotenv(Path(DOTENV_FILE))
    rows: list[tuple[str, str, str]] = []
    for spec in fields(Settings):
        name = spec.name
        env_name = f"{ENV_PREFIX}{name.upper()}"
        if overrides.get(name) is not None:
            source = "command-line option"
        elif env_name in environment:
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
        elif name in ("database_url", "history_url"):
            shown = mask_url(str(value))
        elif any(word in SECRET_WORDS for word in name.split("_")):
            shown = "***"
        else:
            shown = str(value)
        rows.append((name, shown, source))
    rows.append(("(database in force)", mask_url(settings.resolved_database_url), "derived"))
    rows.append(("(runs folder in force)", str(settings.resolved_runs_dir), "derived"))
    return rows
