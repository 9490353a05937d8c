"""The secret scanner: as good as detect-secrets and bandit on their ground, better off it, cheap.

detect-secrets' formats are copied into ``secret_scan.KNOWN_FORMATS``; these tests keep them equal
to the installed version and check that whatever detect-secrets or bandit (B105-B107) report on a
corpus, the scanner reports too, on the same line.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import warnings

import pytest

from meta_agent.scripting import secret_scan
from meta_agent.scripting.secret_scan import scan

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins import keyword as keyword_plugin
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.plugins.high_entropy_strings import (
        Base64HighEntropyString,
        HexHighEntropyString,
    )

PLUGINS = get_mapping_from_secret_type_to_class()

# Lines with credentials in the forms detect-secrets and bandit know, and the forms they miss.
CORPUS = textwrap.dedent(
    """\
    AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
    aws_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    db_password = "Zq3xW8p2Lm4n-hunter"
    url = "postgresql://analyst:Vx9qLm27Tr@db.internal/portfolio"
    token = "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"
    slack = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
    stripe = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    blob = "kJ8s9dF2lQ0pZx7VbN3mT6yR1wE4uH5cGa"
    hexkey = "9f2c4e7a1b3d5f60c8e2a4b6d8f0e1c3"
    pk = "-----BEGIN RSA PRIVATE KEY-----"
    api_key = "Zq3xW8p2Lm4nR7tY"
    def login(password="hunter2-but-longer"):
        return password == "s3cr3t-Compare"
    config = {"password": "Zq3xW8p2Lm4n", "secret_key": "Ab9Cd8Ef7Gh6"}
    print(connect(user="u", passwd="Zq3xW8p2Lm4n"))
    key = str("AKIAIOSFODNN7EXAMPLE")
    dsn = connect("postgres://u:Vx9qLm27Tr@h/db")
    headers = {"Authorization": "Bearer 9f8e7d6c5b4a3928170abcdZ"}
    print(f("sk_live_4eC39HqLyjWDarjtT1zdp7dc"))
    auth = request("Basic dXNlcjpWeDlxTG0yN1Ry")
    """
)
# Lines that hold none.
CLEAN = textwrap.dedent(
    '''\
    """Plan hash: 5d41402abc4b2a76b9719d911017c592a1b2c3d4e5f60718293a4b5c6d7e8f90"""
    import logging
    logger = logging.getLogger("meta_agent.run")
    url = f"postgresql://{user}:{password}@db.internal/portfolio"
    mask = "postgresql://analyst:***@db.internal/portfolio"
    password = ""
    token = None
    print("Token expires in 10 minutes", "Basic information", "token: expired")
    print("password: {pw}", "secret=%s" % name, "?format=json&key=value_name")
    frame = fetch_portfolio_metrics(property_types=["office", "retail"])
    export_to_csv(frame, filename="dscr_by_property.csv")
    rows = query_database("SELECT property_id, noi FROM financials WHERE period >= :start")
    print(f"{len(rows)} rows, 2024-01-01 to 2024-12-31")
    '''
)


# What generated scripts look like: no line detect-secrets could report on.
GENERATED = "\n".join(
    line for line in CLEAN.splitlines() if not re.search("password|Plan hash|://", line)
)


def lines(hits: list[secret_scan.Hit]) -> set[int]:
    return {hit.line for hit in hits}


def test_known_formats_are_detect_secrets_own() -> None:
    installed = {
        (secret_type, pattern.pattern, pattern.flags & (re.IGNORECASE | re.VERBOSE))
        for secret_type, cls in PLUGINS.items()
        if issubclass(cls, RegexBasedDetector)
        for pattern in cls().denylist
    }
    assert set(secret_scan.KNOWN_FORMATS) == installed


def test_keyword_and_entropy_settings_are_detect_secrets_own() -> None:
    assert secret_scan.KEYWORD_DENYLIST == keyword_plugin.DENYLIST
    base64, hexadecimal = Base64HighEntropyString(), HexHighEntropyString()
    assert (
        (base64.secret_type, base64.charset, base64.entropy_limit),
        (hexadecimal.secret_type, hexadecimal.charset, hexadecimal.entropy_limit),
    ) == secret_scan.ENTROPY_TESTS
    for sample in ["", "a", "0123456789", "5d41402abc4b2a76", "kJ8s9dF2lQ0pZx7V", "1111"]:
        assert secret_scan.entropy(sample, base64.charset) == pytest.approx(
            base64.calculate_shannon_entropy(sample)
        )
        assert secret_scan.entropy(sample, hexadecimal.charset) == pytest.approx(
            hexadecimal.calculate_shannon_entropy(sample)
        )


def detect_secrets_lines(source: str) -> set[int]:
    """Every line on which any detect-secrets plugin reports something (no filters at all)."""
    plugins = [cls() for cls in PLUGINS.values()]
    return {
        number
        for number, line in enumerate(source.splitlines(), start=1)
        for plugin in plugins
        if list(plugin.analyze_line(filename="script.py", line=line))
    }


def bandit_lines(source: str) -> set[int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from bandit.core import config, manager

    bandit = manager.BanditManager(
        config.BanditConfig(),
        "file",
        profile={"include": {"B105", "B106", "B107"}},
        ignore_nosec=True,
        quiet=True,
    )
    handle, name = tempfile.mkstemp(suffix=".py")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(source)
        bandit.discover_files([name])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bandit.run_tests()
    finally:
        os.unlink(name)
    return {issue.lineno for issue in bandit.get_issue_list()}


def test_every_corpus_line_is_found() -> None:
    found = lines(scan(CORPUS, ast.parse(CORPUS)))
    assert found == set(range(1, CORPUS.count("\n") + 1))


def test_nothing_detect_secrets_or_bandit_find_is_missed() -> None:
    ours = lines(scan(CORPUS, ast.parse(CORPUS)))
    assert detect_secrets_lines(CORPUS) <= ours
    assert bandit_lines(CORPUS) <= ours


def test_call_arguments_detect_secrets_drops_are_found() -> None:
    # detect-secrets' indirect-reference filter drops "x = f(...)" lines: the scanner does not.
    for line in [
        'key = str("AKIAIOSFODNN7EXAMPLE")',
        'dsn = connect("postgres://u:Vx9qLm27Tr@h/db")',
        'r = get(url, headers={"Authorization": "Bearer 9f8e7d6c5b4a3928170abcdZ"})',
        'print(str("kJ8s9dF2lQ0pZx7VbN3mT6yR1wE4uH5cGa"))',
        'key = str("AKIAIOSFODNN7" + "EXAM" + "PLE")',
        'url = "postgres://analyst:" + "Vx9qLm27Tr" + "@db.internal/portfolio"',
        'dsn = connect("host=db user=u password=Zq3xW8p2Lm4n dbname=p")',
        'r = get("https://api.example.com/v1?api_key=Zq3xW8p2Lm4nR7&q=1")',
        'r = send("X-Token: Zq3xW8p2Lm4nR7")',
    ]:
        assert lines(scan(line + "\n", ast.parse(line))) == {1}, line


def test_clean_code_has_no_secrets() -> None:
    assert scan(CLEAN, ast.parse(CLEAN)) == []


def test_detect_secrets_is_imported_only_for_a_line_it_could_report() -> None:
    code = textwrap.dedent(
        f"""
        import ast, sys
        from meta_agent.scripting.secret_scan import scan
        clean = {GENERATED!r}
        assert scan(clean, ast.parse(clean)) == []
        assert "detect_secrets" not in sys.modules and "bandit" not in sys.modules
        scan('db_password = "Zq3xW8p2Lm4n-hunter"\\n')
        assert "detect_secrets" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


HEX64 = "0123456789abcdef" * 4
ALNUM = "a1b2c3d4e5f6g7h8i9j0"
# At least one example of every known format, several written with '_' and '-' so that no long
# run of letters and digits helps the hints.
FORMAT_EXAMPLES = [
    "AKIAIOSFODNN7EXAMPLE",
    'aws_secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    " AKCp5btd1rLsRzRyRnvMa7 ",
    '="AP6xxxxxxxxxx"',
    "AccountKey=" + "ab+/" * 22,
    "https://user:pw@host",
    f'cloudant_password = "{HEX64}"',
    "cl_key: abcdefghijklmnopqrstuvwx",
    f"https://user:{HEX64}@acc.cloudant.com",
    "https://user:abcdefghijklmnopqrstuvwx@acc.cloudant.com",
    "M_-_-_-_-_-_-_-_-_-_-_-_-_.a_-_-_.-_-_-_-_-_-_-_-_-_-_-_-_-_-",
    "ghp_" + "a_" * 18,
    "glpat-" + "a-" * 10,
    "GR1348941" + "a-" * 10,
    "glcbt-" + "a-" * 10,
    "glimt-" + "a-" * 12 + "a",
    "glptt-" + "a-" * 20,
    "glagent-" + "a-" * 25,
    "gloas-" + "a-" * 32,
    f'cos_hmac_secret_access_key = "{HEX64[:48]}"',
    'ibm_cloud_iam_api_key = "' + "a_-b" * 11 + '"',
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
    "0123456789abcdefghijklmnopqrstuv-us12",
    "//registry.npmjs.org/:_authToken=npm_abc",
    "sk-" + ALNUM + "T3BlbkFJ" + ALNUM,
    "-----BEGIN DSA PRIVATE KEY-----",
    "-----BEGIN EC PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "-----BEGIN PGP PRIVATE KEY BLOCK-----",
    "-----BEGIN PRIVATE KEY-----",
    "-----BEGIN RSA PRIVATE KEY-----",
    "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----",
    "PuTTY-User-Key-File-2: ssh-rsa",
    "server = 8.8.8.8",
    "pypi-AgEIcHlwaS5vcmc" + "a-" * 35,
    "pypi-AgENdGVzdC5weXBpLm9yZw" + "a-" * 35,
    "SG." + "a-" * 11 + "." + "a_" * 21 + "a",
    "xoxb-123-abc",
    "https://hooks.slack.com/services/T123/B456/abc",
    f'softlayer_api_key = "{HEX64}"',
    f"https://api.softlayer.com/soap/v3/{HEX64}",
    "sq0csp-" + "a-" * 21 + "a",
    "sk_live_" + "a1" * 12,
    "123456789:" + "a_" * 17 + "a",
    "AC" + HEX64[:32],
    "SK" + HEX64[:32],
]


def test_every_known_format_is_searched_where_it_could_match() -> None:
    assert set(secret_scan.FORMAT_HINTS) == {kind for kind, _, _ in secret_scan.KNOWN_FORMATS}
    for kind, pattern, flags in secret_scan.KNOWN_FORMATS:
        compiled = re.compile(pattern, flags)
        examples = [example for example in FORMAT_EXAMPLES if compiled.search(example)]
        assert examples, f"no example of {kind}: {pattern}"
        for example in examples:
            assert secret_scan.FORMAT_HINTS[kind](example, example.lower()), (kind, example)
            assert (kind, compiled) in list(secret_scan._formats_for(example))


def test_plain_code_compiles_no_format() -> None:
    assert list(secret_scan._formats_for("x = 1")) == []
    assert list(secret_scan._formats_for("rank_data(frame, by='noi', limit=10)")) == []
