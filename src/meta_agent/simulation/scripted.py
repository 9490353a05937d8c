"""Script-driven scenarios: one validated script, run once per scenario in the sandbox.

A script declares the parameters it takes in a module-level literal,
``SCENARIO_PARAMETERS = {"noi_change_pct": "number", ...}`` (kinds: number, integer, boolean,
text). The script is validated once; each scenario's values are checked against the declaration
(an unknown parameter or a wrong type fails that scenario, naming it and the field) and handed to
its run as JSON in the ``META_AGENT_SCENARIO`` variable of its environment, which the script
reads through one tool call, ``scenario_parameters()``. Runs go through ``sandboxes``: with
bwrap, forking sandboxes that import the stack once and run each scenario in a fresh child
(``runtime.forkserver``), ``workers`` of them side by side. Each scenario has its own folder
under the simulation's ``scenarios/`` (log, results), and its ``results.json`` is the scenario's
summary. A run that fails, or hits a limit, fails its scenario only.
"""

from __future__ import annotations

import ast
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meta_agent.archive.run_folder import RunFolder, slugify
from meta_agent.errors import ScenarioInvalid
from meta_agent.simulation.handover import SCENARIO_VARIABLE
from meta_agent.simulation.parameters import invalid
from meta_agent.simulation.sandboxes import sandboxes

if TYPE_CHECKING:
    from meta_agent.config import Settings
    from meta_agent.simulation.runner import ScenarioResult

logger = logging.getLogger(__name__)

DECLARATION = "SCENARIO_PARAMETERS"
KINDS: dict[str, tuple[type, ...]] = {
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "text": (str,),
}


def declared_parameters(source: str, where: str = "script") -> dict[str, str]:
    """The script's ``SCENARIO_PARAMETERS``: parameter name -> kind; ScenarioInvalid otherwise."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ScenarioInvalid(f"{where}, line {exc.lineno}: not valid Python: {exc.msg}.") from None
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        if any(isinstance(t, ast.Name) and t.id == DECLARATION for t in node.targets):
            try:
                declared = ast.literal_eval(node.value)
            except ValueError:
                declared = None
            problem = _declaration_problem(declared)
            if problem:
                raise ScenarioInvalid(f"{where}, line {node.lineno}: {DECLARATION} {problem}.")
            return dict(declared)
    raise ScenarioInvalid(
        f"{where} declares no {DECLARATION}; add e.g. "
        f'{DECLARATION} = {{"noi_change_pct": "number"}} at the top level.'
    )


def checked_values(
    name: str, values: Mapping[str, Any], declared: Mapping[str, str]
) -> dict[str, Any]:
    """A scenario's values, refused (naming scenario and field) when the script does not take them."""
    for field, value in values.items():
        if field not in declared:
            raise invalid(
                name, field, f"the script takes {', '.join(sorted(declared)) or 'no parameters'}",
                None, "script",
            )  # fmt: skip
        kind = declared[field]
        wrong_bool = isinstance(value, bool) and kind != "boolean"
        if wrong_bool or not isinstance(value, KINDS[kind]):
            raise invalid(name, field, f"the script takes a {kind}, got {value!r}", None, "script")
    return dict(values)


def run_script_scenarios(
    settings: Settings,
    script: Path,
    scenarios: Sequence[tuple[str, Mapping[str, Any]]],
    folder: Path,
    workers: int = 1,
) -> list[ScenarioResult]:
    """Validate ``script`` once, then run it for each (name, values); results in the given order.

    Args:
        workers: sandboxes running scenarios at the same time (with bwrap; one otherwise).
    """
    from meta_agent.runtime.backend import RunSpec
    from meta_agent.simulation.runner import ScenarioResult

    copy, declared = _validated_copy(settings, script, folder)
    url = settings.resolved_database_url
    runs: list[tuple[int, str, dict[str, Any], RunSpec]] = []
    results: list[ScenarioResult | None] = [None] * len(scenarios)
    for index, (name, values) in enumerate(scenarios):
        try:
            given = checked_values(name, values, declared)
        except ScenarioInvalid as error:
            results[index] = ScenarioResult(name, "script", dict(values), "failed", {}, str(error))
            continue
        run_dir = folder / f"{index + 1:03d}-{slugify(name)}"
        (run_dir / "results").mkdir(parents=True)
        (run_dir / "logs").mkdir()
        variables = {SCENARIO_VARIABLE: json.dumps(given)}
        spec = RunSpec(script=copy, run_dir=run_dir, database_url=url, variables=variables)
        runs.append((index, name, given, spec))
    with sandboxes(settings, folder, workers) as run:
        outcomes = run([spec for *_, spec in runs])
    for (index, name, given, spec), outcome in zip(runs, outcomes, strict=True):
        if outcome.ok:
            summary = RunFolder(spec.run_dir).summary()
            results[index] = ScenarioResult(name, "script", given, "succeeded", summary)
        else:
            reason = f"{outcome.status}: {outcome.error or 'the script failed'}"
            results[index] = ScenarioResult(name, "script", given, "failed", {}, reason)
    logger.info("script scenarios run", extra={"scenarios": len(results), "script": script.name})
    return [r for r in results if r is not None]


def _validated_copy(settings: Settings, script: Path, folder: Path) -> tuple[Path, dict[str, str]]:
    """The script checked once (declaration, validator) and copied into ``folder``."""
    from meta_agent.portfolio.sqlguard import dialect_of_url
    from meta_agent.scripting.validate import ScriptValidator, decode_script
    from meta_agent.tool_library.tool_registry import default_registry

    try:
        source = decode_script(script.read_bytes())
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioInvalid(f"Cannot read the script {script}: {exc}.") from None
    declared = declared_parameters(source, script.name)
    registry = default_registry(load_plugins=settings.load_plugins)
    ScriptValidator(registry, sql_dialect=dialect_of_url(settings.resolved_database_url)).check(
        source, script.name
    )
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "script.py"
    copy.write_text(source, encoding="utf-8")
    return copy, declared


def _declaration_problem(declared: Any) -> str | None:
    if not isinstance(declared, dict):
        return "must be a literal dict of parameter name -> kind"
    for key, kind in declared.items():
        if not isinstance(key, str) or kind not in KINDS:
            return f"entry {key!r}: {kind!r} is not one of {', '.join(KINDS)}"
    return None
