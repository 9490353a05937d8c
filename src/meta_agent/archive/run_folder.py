"""A run's folder: ``RUNS_DIR/<timestamp>-<slug>/`` with request, plan, script, results and logs."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meta_agent.errors import ConfigError

SLUG_WORDS = 6
MAX_RESULTS_JSON_BYTES = 5_000_000  # results.json is a summary, not a data dump


def slugify(text: str, max_words: int = SLUG_WORDS) -> str:
    """A short, filesystem-safe slug of a request ("calculate-dscr-for-all-properties")."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words[:max_words]) or "run"


@dataclass(frozen=True)
class RunFolder:
    """Paths of one run's folder; creating it makes results/ and logs/."""

    root: Path

    @property
    def run_id(self) -> str:
        return self.root.name

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def script(self) -> Path:
        return self.root / "script.py"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @classmethod
    def create(cls, runs_dir: Path, title: str, now: dt.datetime | None = None) -> RunFolder:
        """A new, empty run folder named after the time and the request."""
        moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        stem = f"{moment:%Y%m%d-%H%M%S}-{slugify(title)}"
        try:
            runs_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise unusable_runs_dir(runs_dir, exc) from exc
        for attempt in range(1000):
            candidate = runs_dir / (stem if attempt == 0 else f"{stem}-{attempt + 1}")
            try:
                candidate.mkdir()
            except FileExistsError:
                continue
            except OSError as exc:
                raise unusable_runs_dir(runs_dir, exc) from exc
            folder = cls(candidate)
            folder.results.mkdir()
            folder.logs.mkdir()
            return folder
        raise RuntimeError(f"could not create a run folder under {runs_dir}")

    def write_text(self, name: str, text: str) -> Path:
        path = self.root / name
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
        return path

    def write_json(self, name: str, data: Any) -> Path:
        return self.write_text(
            name, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n"
        )

    def read_json(self, name: str) -> Any:
        path = self.root / name
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def artifacts(self) -> list[str]:
        """Result files, relative to results/, sorted."""
        if not self.results.is_dir():
            return []
        return sorted(
            str(path.relative_to(self.results))
            for path in self.results.rglob("*")
            if path.is_file() and not path.is_symlink()
        )

    def summary(self) -> dict[str, Any]:
        """The script's ``results/results.json``, parsed as plain JSON and nothing else."""
        path = self.results / "results.json"
        if not path.is_file() or path.is_symlink():
            return {}
        if path.stat().st_size > MAX_RESULTS_JSON_BYTES:
            return {"error": "results.json is larger than the summary limit; not read"}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            return {"error": "results.json is not valid JSON"}
        return data if isinstance(data, dict) else {"value": data}


def unusable_runs_dir(runs_dir: Path, exc: OSError) -> ConfigError:
    """The configuration error for a runs folder that cannot be written."""
    return ConfigError(
        f"Cannot use the runs folder {runs_dir} ({exc.strerror or exc}); point --runs-dir or "
        "META_AGENT_RUNS_DIR at a folder you can write to."
    )
