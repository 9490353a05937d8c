"""Scenario sets from files (YAML or JSON), from CLI lists and from grids of shocks.

A file is a list of ``{name, parameters}`` mappings, or a mapping with ``scenarios`` (that list)
and optionally ``threshold``. Every problem is a ``ScenarioInvalid`` carrying the file and the
line: of the parameter at fault when it can be found, else of its scenario.

A grid is the cross product of shock lists: ``"noi -10..-40 step 10 x rate 0..300 step 100"``
gives 4 x 4 = 16 scenarios. CLI lists (``--noi -10,-20 --rate +100,+200``) give one scenario per
value, each changing one thing: a sensitivity set, not a product.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from meta_agent.errors import ScenarioInvalid
from meta_agent.simulation.parameters import SHOCK_FIELDS, Scenario, invalid

# More scenarios than this is a typo in a grid step, not an analysis anyone reads.
MAX_SCENARIOS = 10_000
FILE_KEYS = ("scenarios", "threshold")
# The words people use for each shock, in grids and CLI options.
DIMENSIONS: dict[str, str] = {
    "noi": "noi_change_pct",
    "rate": "rate_shift_bp",
    "rates": "rate_shift_bp",
    "cap": "cap_rate_shift_bp",
    "cap_rate": "cap_rate_shift_bp",
    "cap_rates": "cap_rate_shift_bp",
    "vacancy": "vacancy_change_pts",
    "expense": "expense_growth_pct",
    "expenses": "expense_growth_pct",
    **{name: name for name in SHOCK_FIELDS},
}
UNITS = {
    "noi_change_pct": "%",
    "rate_shift_bp": "bp",
    "cap_rate_shift_bp": "bp",
    "vacancy_change_pts": "pts",
    "expense_growth_pct": "%",
}
SHORT = {
    "noi_change_pct": "noi",
    "rate_shift_bp": "rate",
    "cap_rate_shift_bp": "cap",
    "vacancy_change_pts": "vacancy",
    "expense_growth_pct": "expenses",
}
BASE_NAME = "base"


@dataclass(frozen=True)
class ScenarioFile:
    """What a scenario file holds: its scenarios and, if it names one, the DSCR threshold."""

    scenarios: list[Scenario]
    threshold: float | None = None
    source: str = ""
    notes: list[str] = field(default_factory=list)


def load_scenario_file(path: Path) -> ScenarioFile:
    """Read and check a YAML or JSON scenario file; ``ScenarioInvalid`` with the line otherwise."""
    data, node, where = _read_document(path)
    return parse_scenario_document(data, node, where)


def load_script_scenarios(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(name, parameters) pairs of a file for a script-driven simulation: the parameters are the
    script's to declare, so only the file's shape and the names are checked here."""
    data, node, where = _read_document(path)
    items, items_node = data, node
    if isinstance(data, Mapping) and "scenarios" in data:
        items, items_node = data["scenarios"], _value_node(node, "scenarios")
    if not isinstance(items, list) or not items:
        raise ScenarioInvalid(f"{where}: expected a non-empty list of scenarios.")
    nodes = items_node.value if isinstance(items_node, yaml.SequenceNode) else [None] * len(items)
    pairs: list[tuple[str, dict[str, Any]]] = []
    for index, (item, item_node) in enumerate(zip(items, nodes, strict=True)):
        line = item_node.start_mark.line + 1 if item_node is not None else None
        name = item.get("name") if isinstance(item, Mapping) else None
        parameters = item.get("parameters", {}) if isinstance(item, Mapping) else None
        label = name if isinstance(name, str) else f"#{index + 1}"
        if not isinstance(name, str) or not name.strip() or not isinstance(parameters, Mapping):
            raise invalid(label, "scenario", "a scenario needs a name and a parameters mapping",
                          line, where)  # fmt: skip
        if name in {n for n, _ in pairs}:
            raise invalid(name, "name", "the name is used twice in the file", line, where)
        pairs.append((name.strip(), dict(parameters)))
    _check_count(len(pairs))
    return pairs


def _read_document(path: Path) -> tuple[Any, yaml.Node | None, str]:
    """The parsed file, its composed YAML tree (for lines) and its name for messages."""
    where = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioInvalid(f"Cannot read the scenario file {path}: {exc}.") from None
    if path.suffix.lower() == ".json":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioInvalid(
                f"{where}, line {exc.lineno}: not valid JSON: {exc.msg}."
            ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark else ""
        raise ScenarioInvalid(f"{where}{line}: not valid YAML: {exc.problem}.") from None
    except yaml.YAMLError as exc:
        raise ScenarioInvalid(f"{where}: not valid YAML: {exc}.") from None
    if node is not None:
        _refuse_duplicate_keys(node, where)
    return data, node, where


def parse_scenario_document(data: Any, node: yaml.Node | None, where: str) -> ScenarioFile:
    """Scenarios from parsed file content, ``node`` (yaml's composed tree) giving line numbers."""
    threshold: float | None = None
    items, items_node = data, node
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - set(FILE_KEYS))
        if unknown:
            line = _key_line(node, unknown[0])
            raise ScenarioInvalid(
                f"{where}{_at(line)}: unknown key {unknown[0]!r}; a scenario file holds "
                f"{' and '.join(FILE_KEYS)}."
            )
        if "scenarios" not in data:
            raise ScenarioInvalid(f"{where}: no 'scenarios' list in the file.")
        items, items_node = data["scenarios"], _value_node(node, "scenarios")
        threshold = _threshold(data.get("threshold"), where, _key_line(node, "threshold"))
    if not isinstance(items, list) or not items:
        raise ScenarioInvalid(
            f"{where}: expected a non-empty list of scenarios, each with a name and parameters."
        )
    nodes = items_node.value if isinstance(items_node, yaml.SequenceNode) else [None] * len(items)
    scenarios: list[Scenario] = []
    seen: dict[str, int | None] = {}
    for index, (item, item_node) in enumerate(zip(items, nodes, strict=True)):
        line = item_node.start_mark.line + 1 if item_node is not None else None
        try:
            scenario = Scenario.from_mapping(item, line=line, where=where, index=index)
        except ScenarioInvalid as error:
            better = _field_line(item_node, error.field)
            if better is None or better == line or error.field is None:
                raise
            name = error.scenario or f"#{index + 1}"
            raise invalid(name, error.field, _reason(str(error)), better, where) from None
        if scenario.name in seen:
            raise invalid(
                scenario.name, "name", f"the name is already used (line {seen[scenario.name]})",
                line, where,
            )  # fmt: skip
        seen[scenario.name] = line
        scenarios.append(scenario)
    _check_count(len(scenarios))
    return ScenarioFile(scenarios, threshold, where)


def parse_grid(text: str) -> list[Scenario]:
    """The cross product of shock lists, e.g. ``noi -10..-40 step 10 x rate 0..300 step 100``."""
    parts = [p.strip() for p in re.split(r"\s+[x×*]\s+|\s*[×*]\s*", text.strip()) if p.strip()]
    if not parts:
        raise ScenarioInvalid(
            "An empty grid; write e.g. 'noi -10..-40 step 10 x rate 0..300 step 100'."
        )
    axes: list[tuple[str, list[float]]] = []
    for part in parts:
        match = re.fullmatch(r"([A-Za-z_]+)\s*[:=]?\s*(.+)", part)
        if match is None:
            raise ScenarioInvalid(
                f"Grid part {part!r} is not '<shock> <from>..<to> step <n>' or '<shock> a,b,c'."
            )
        dimension = _dimension(match.group(1), f"grid part {part!r}")
        if dimension in {d for d, _ in axes}:
            raise ScenarioInvalid(
                f"The grid names {SHORT[dimension]!r} twice; name each shock once."
            )
        axes.append((dimension, _values(match.group(2), f"grid part {part!r}")))
    total = math.prod(len(values) for _, values in axes)
    _check_count(total)
    scenarios = []
    for combination in itertools.product(*(values for _, values in axes)):
        shocks = dict(zip((d for d, _ in axes), combination, strict=True))
        scenarios.append(shock_scenario(shocks))
    return scenarios


def scenarios_from_lists(lists: Mapping[str, str | None]) -> list[Scenario]:
    """One scenario per value of each list (``{"noi": "-10,-20", "rate": "+100"}``), in order."""
    scenarios: list[Scenario] = []
    for word, text in lists.items():
        if text is None:
            continue
        dimension = _dimension(word, f"--{word}")
        for value in _values(text, f"--{word} {text}"):
            scenarios.append(shock_scenario({dimension: value}))
    _check_count(len(scenarios))
    return _unique(scenarios)


def shock_scenario(shocks: Mapping[str, float]) -> Scenario:
    """A shock scenario named after its shocks, e.g. ``noi-10%_rate+100bp``."""
    return Scenario.build(shock_name(shocks), dict(shocks), where="grid")


def shock_name(shocks: Mapping[str, float]) -> str:
    """``noi-10%_rate+100bp`` for the non-zero shocks, ``base`` when there are none."""
    parts = [
        f"{SHORT[name]}{value:+g}{UNITS[name]}"
        for name in SHOCK_FIELDS
        if (value := float(shocks.get(name, 0.0)))
    ]
    return "_".join(parts) or BASE_NAME


def combine(*sets: Iterable[Scenario]) -> list[Scenario]:
    """Scenario sets joined in order; a name used twice is refused."""
    joined = [s for group in sets for s in group]
    _check_count(len(joined))
    seen: set[str] = set()
    for scenario in joined:
        if scenario.name in seen:
            raise invalid(scenario.name, "name", "the name is used twice in the set", None, None)
        seen.add(scenario.name)
    return joined


# --- helpers -----------------------------------------------------------------------------------


def _dimension(word: str, context: str) -> str:
    key = word.strip().lower().replace("-", "_")
    if key not in DIMENSIONS:
        raise ScenarioInvalid(
            f"Unknown shock {word!r} in {context}; use one of noi, rate, cap, vacancy, expenses."
        )
    return DIMENSIONS[key]


def _values(text: str, context: str) -> list[float]:
    """``a..b step s`` (both ends included), ``a..b`` (step 1) or ``a,b,c``."""
    text = text.strip()
    ranged = re.fullmatch(r"([-+]?[\d.]+)\s*\.\.\s*([-+]?[\d.]+)(?:\s+step\s+([-+]?[\d.]+))?", text)
    try:
        if ranged:
            start, stop = float(ranged.group(1)), float(ranged.group(2))
            step = abs(float(ranged.group(3) or 1))
            if step == 0:
                raise ScenarioInvalid(f"A step of 0 in {context}; use a positive step.")
            count = math.floor(abs(stop - start) / step + 1e-9) + 1
            _check_count(count)
            sign = 1.0 if stop >= start else -1.0
            return [_clean(start + sign * step * i) for i in range(count)]
        values = [_clean(float(v)) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ScenarioInvalid(
            f"Cannot read the numbers in {context}; write e.g. -10,-20,-30 or -10..-40 step 10."
        ) from None
    if not values:
        raise ScenarioInvalid(f"No values in {context}.")
    return values


def _clean(value: float) -> float:
    """Round away float noise from stepping (0.1 * 3), keeping the number the user meant."""
    if not math.isfinite(value):
        raise ValueError(value)
    return round(value, 9) + 0.0


def _unique(scenarios: Sequence[Scenario]) -> list[Scenario]:
    return list({s.name: s for s in scenarios}.values())


def _check_count(count: int) -> None:
    if count > MAX_SCENARIOS:
        raise ScenarioInvalid(
            f"{count:,} scenarios is more than the limit of {MAX_SCENARIOS:,}; use a larger step."
        )


def _threshold(value: Any, where: str, line: int | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ScenarioInvalid(
            f"{where}{_at(line)}: field 'threshold': a positive DSCR such as 1.25, got {value!r}."
        )
    return float(value)


def _at(line: int | None) -> str:
    return f", line {line}" if line else ""


def _reason(message: str) -> str:
    """The explanation part of a ScenarioInvalid message (after ``field '...': ``)."""
    return re.sub(r"^.*?field '[^']*': ", "", message).rstrip(".")


def _value_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    return None


def _key_line(node: yaml.Node | None, key: str) -> int | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if key_node.value == key:
                return int(key_node.start_mark.line) + 1
    return None


def _field_line(scenario_node: yaml.Node | None, field_name: str | None) -> int | None:
    """The line of ``field_name`` inside a scenario's parameters, or of the scenario key."""
    if field_name is None:
        return None
    parameters = _value_node(scenario_node, "parameters")
    return _key_line(parameters, field_name) or _key_line(scenario_node, field_name)


def _refuse_duplicate_keys(node: yaml.Node, where: str) -> None:
    """PyYAML keeps the last of two equal keys silently; a scenario file must not."""
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.value in seen:
                raise ScenarioInvalid(
                    f"{where}, line {key_node.start_mark.line + 1}: the key {key_node.value!r} "
                    "appears twice in the same mapping."
                )
            seen.add(key_node.value)
            _refuse_duplicate_keys(value_node, where)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            _refuse_duplicate_keys(child, where)
