"""Every script in hostile/ is rejected, with the rule its ``# expect: <rule>`` header names.

Scripts are read as ``meta-agent exec`` reads them: bytes, decoded once by ``decode_script``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from meta_agent.errors import ScriptRejected
from meta_agent.scripting.validate import RULES, ScriptValidator, decode_script

HOSTILE = Path(__file__).parent / "hostile"
SCRIPTS = sorted(HOSTILE.glob("*.py"))
EXPECT = re.compile(r"^# expect: (\w+)$", re.MULTILINE)


def expected_rule(path: Path) -> str:
    match = EXPECT.search(decode_script(path.read_bytes()).replace("\r", "\n"))
    assert match, f"{path.name} has no '# expect: <rule>' header"
    assert match.group(1) in RULES, f"{path.name} expects an unknown rule {match.group(1)!r}"
    return match.group(1)


def test_the_suite_is_large_enough() -> None:
    assert len(SCRIPTS) >= 100


@pytest.mark.parametrize("path", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_hostile_script_is_rejected_with_the_expected_rule(
    validator: ScriptValidator, path: Path
) -> None:
    source = decode_script(path.read_bytes())
    findings = validator.validate(source)
    rules = {finding.rule for finding in findings}
    assert expected_rule(path) in rules, "\n".join(str(f) for f in findings) or "no findings"
    assert rules <= set(RULES)
    with pytest.raises(ScriptRejected):
        validator.check(source, source_name=path.name)
