"""The validator holds on its own: the bytes that run, calls by what they resolve to, fail closed."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from meta_agent.errors import ScriptRejected
from meta_agent.scripting import policy, secret_scan, validate
from meta_agent.scripting.validate import ScriptValidator, decode_script


def rules(validator: ScriptValidator, source: str) -> set[str]:
    return {finding.rule for finding in validator.validate(source)}


# --- encoding: the text checked is the text that runs -------------------------------------------

PAYLOAD = "# +AAo-print(+ACI-PAYLOAD-RAN+ACI-)\n"  # UTF-7 for a newline, then print("PAYLOAD-RAN")
FIRST_LINES = ["", "#", "# note", "#!/usr/bin/env python", "x = 1", "\x0c#", "# \u2028 x"]
BREAKS = ["\n", "\r", "\r\n", "\x0c\n", "\x0b\n", "\x1c\n", "\x1d\x1e\n", "\x85\n", "\u2028\n"]
VARIANTS = [
    first + brk + "# coding: utf-7" + end + PAYLOAD
    for first, brk, end in itertools.product(FIRST_LINES, BREAKS, ["\n", "\r"])
]


def test_every_way_of_hiding_a_declaration_is_refused(validator: ScriptValidator) -> None:
    for source in VARIANTS:
        assert "syntax" in rules(validator, source), repr(source)


def test_the_variants_are_real_attacks(tmp_path: Path) -> None:
    # Python runs the UTF-7 payload of many of these variants: the refusal above matters.
    ran = 0
    for number, source in enumerate(VARIANTS):
        if "\u2028" in source or "\x85" in source:
            continue  # not ASCII, so not UTF-7 text: Python refuses to decode these
        path = tmp_path / f"v{number}.py"
        path.write_bytes(source.encode("utf-8"))
        done = subprocess.run(
            [sys.executable, "-I", str(path)], capture_output=True, text=True, timeout=20
        )
        ran += "PAYLOAD-RAN" in done.stdout
    assert ran >= 20, ran


@pytest.mark.parametrize(
    "declaration",
    ["utf-7", "unicode_escape", "latin-1", "iso-8859-15", "cp1252", "utf-16", "rot13", "nope"],
)
def test_any_other_declared_encoding_is_refused(
    validator: ScriptValidator, declaration: str
) -> None:
    findings = validator.validate(f"# -*- coding: {declaration} -*-\nx = 1\n")
    assert [(f.line, f.rule) for f in findings] == [(1, "syntax")]
    assert "UTF-8" in findings[0].message or "encoding" in findings[0].message


@pytest.mark.parametrize("declaration", ["utf-8", "UTF8", "utf_8", "utf-8-sig"])
def test_utf8_declarations_are_fine(validator: ScriptValidator, declaration: str) -> None:
    assert validator.validate(f"# coding: {declaration}\nx = 1\n") == []


def test_decode_script_drops_a_bom_and_keeps_declarations() -> None:
    assert decode_script(b"\xef\xbb\xbfx = 1\n") == "x = 1\n"
    assert decode_script(b"\xef\xbb\xbf# coding: utf-7\n") == "# coding: utf-7\n"
    with pytest.raises(UnicodeDecodeError):
        decode_script(b"# caf\xe9\n")


def test_lone_surrogates_are_refused(validator: ScriptValidator) -> None:
    assert rules(validator, "x = '\ud800'\n") == {"syntax"}


def test_form_feeds_and_separators_do_not_move_line_numbers(validator: ScriptValidator) -> None:
    # The tokenizer's lines, not str.splitlines(): the finding is on line 2.
    findings = validator.validate("x = 1  # \x0c \u2028 \x1c\nimport os\n")
    assert [(f.line, f.rule) for f in findings] == [(2, "import")]


# --- calls by what they resolve to --------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        'import logging\nlogging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")\n',
        'import logging as L\nL.basicConfig(level=L.WARNING, format="%(levelname)s %(name)s")\n',
        'from logging import basicConfig\nbasicConfig(level=20, format="%(message)s")\n',
        'from logging import basicConfig as setup\nsetup(level="INFO", datefmt="%H:%M")\n',
        'import logging\nlogging.basicConfig(format="100%% %(message)s")\n',
    ],
)
def test_the_one_logging_configuration_passes(validator: ScriptValidator, source: str) -> None:
    assert validator.validate(source) == []


@pytest.mark.parametrize(
    "source",
    [
        'from logging import basicConfig\nbasicConfig(style="{", format="{msg.__globals__}")\n',
        'from logging import basicConfig as b\nb(format="%(message)s", style="%")\n',
        'import logging as L\nL.basicConfig(format="{process.__class__}", style="{")\n',
        "import logging\nx = [logging.basicConfig]\n",
        "import logging\nimport functools\nf = functools.partial(logging.basicConfig)\n",
        "from logging import basicConfig\nsorted([1], key=basicConfig)\n",
        'import logging\nlogging.basicConfig("x")\n',
        'import logging\nlogging.basicConfig(format="%(msg.__class__)s")\n',
        'import logging\nlogging.basicConfig(format="%(args)r")\n',
        'import logging\nlogging.basicConfig(format="$message")\n',
        "import logging\nf = '%(message)s'\nlogging.basicConfig(format=f)\n",
        "import logging\nlogging.basicConfig(level=logging.getLevelName(20))\n",
        "import logging\nlogging.basicConfig(handlers=[])\n",
        'print("x", style="{")\n',
    ],
)
def test_logging_configuration_is_refused_however_it_is_spelled(
    validator: ScriptValidator, source: str
) -> None:
    assert "call" in rules(validator, source) or "attribute" in rules(validator, source)


def test_call_only_callables_are_listed_with_a_reason() -> None:
    assert policy.CALL_ONLY["logging.basicConfig"]
    for name in policy.CALL_ONLY:
        module, _, attribute = name.rpartition(".")
        assert attribute in policy.ALLOWED_MODULES[module]


# --- SQL is a literal the validator sees ---------------------------------------------------------

BATCH = "from meta_agent.tool_library.database_tools import batch_query\nf = batch_query({})\n"


@pytest.mark.parametrize(
    "queries",
    [
        '[{"query": "SELECT 1", "que" + "ry": "SELECT 2"}]',
        '[{"query": "SELECT 1", "query": "SELECT 2"}]',
        '[{"params": {}, ("query"): "SELECT 1" + ""}]',
        '[{"sql": "SELECT 1"}]',
        '[{1: "SELECT 1", "query": "SELECT 1"}]',
        '[{"query": "SELECT 1"}, *[]]',
        "[dict(query='SELECT 1')]",
        "list([])",
    ],
)
def test_batch_sql_must_be_literal(validator: ScriptValidator, queries: str) -> None:
    assert "sql" in rules(validator, BATCH.format(queries))


def test_literal_batches_pass(validator: ScriptValidator) -> None:
    source = BATCH.format('[{"query": "SELECT 1 AS x", "params": {"a": 1}}, {"query": "SELECT 2"}]')
    assert validator.validate(source) == []


# --- fail closed ---------------------------------------------------------------------------------


def boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a bug in a check")


@pytest.mark.parametrize(
    "target",
    [
        (validate._Checker, "visit_Call"),
        (validate._Checker, "run"),
        (secret_scan, "scan"),
        (validate, "_encoding_problem"),
        (policy, "secret_findings"),
    ],
    ids=["checker-visit", "checker-run", "secret-scan", "encoding", "secret-findings"],
)
def test_an_error_inside_a_check_refuses_the_script(
    validator: ScriptValidator, monkeypatch: pytest.MonkeyPatch, target: tuple[object, str]
) -> None:
    monkeypatch.setattr(target[0], target[1], boom)
    source = "x = print(1)\n"
    findings = validator.validate(source)
    assert "internal" in {finding.rule for finding in findings}
    with pytest.raises(ScriptRejected):
        validator.check(source)


# --- the registry, loaded when a script first imports from a module ------------------------------


def test_a_registry_given_as_a_function_is_loaded_only_for_from_imports() -> None:
    """The same findings as with the registry itself; a script without ``from`` imports (a
    one-liner, ``import math``) never loads the tool library, a refused import does."""
    from meta_agent.tool_library.tool_registry import ToolRegistry, default_registry

    loads: list[int] = []

    def load() -> ToolRegistry:
        loads.append(1)
        return default_registry()

    eager = ScriptValidator(default_registry())
    for source in ('print("noop")\n', "import math\nprint(math.sqrt(4))\n"):
        lazy = ScriptValidator(load)
        assert lazy.validate(source) == eager.validate(source)
    assert loads == []
    for source in (
        "from meta_agent.tool_library.calculation_tools import calculate_dscr\n",
        "from meta_agent.tool_library.calculation_tools import nope\n",
        "from math import sqrt\n",
        "import os\n",
    ):
        lazy = ScriptValidator(load)
        assert lazy.validate(source) == eager.validate(source)
    assert len(loads) == 4
