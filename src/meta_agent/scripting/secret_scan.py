"""Hard-coded credentials in a script, found without importing anything heavy on the common path.

Two kinds of evidence, both cheap:

- **Text**: every physical line (comments included) and every string constant's value (so
  ``f("AKIA...")`` and ``connect("postgres://u:pw@h")`` are seen whatever surrounds them) against
  the known credential formats of detect-secrets' plugins (``KNOWN_FORMATS``, copied from
  detect-secrets 1.5.0 and kept equal to the installed version by a test), its high-entropy
  string tests (same charsets, limits and entropy formula), URLs with a password and
  ``Bearer``/``Basic`` authorization values.
- **Context** (what bandit's B105-B107 look at, and more): a string constant assigned to,
  compared with, passed as, stored under or defaulted for a name that says password, secret,
  token, key, credential or authorization.

detect-secrets itself (about 50 ms to import, through ``requests``) is imported only when a line
could hold something it reports: a line with one of its keywords, a known format, a high-entropy
quoted string or a URL with a password. It then judges those lines with every plugin, as before,
so nothing it finds is lost; its heuristic filters (sequences, UUIDs, templates) are applied to
the text findings too. Values are never quoted in findings.
"""

from __future__ import annotations

import ast
import collections
import functools
import math
import re
import string
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["KNOWN_FORMATS", "Hit", "scan"]

# (secret type, pattern, flags) of detect-secrets' regex-based plugins (detect-secrets 1.5.0;
# tests/scripting/test_secret_scan.py keeps this equal to the installed version).
KNOWN_FORMATS: tuple[tuple[str, str, int], ...] = (
    ("AWS Access Key", "(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}", 0),
    (
        "AWS Access Key",
        "aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?[\\'\\\"]([0-9a-zA-Z/+]{40})[\\'\\\"]",
        re.IGNORECASE,
    ),
    ("Artifactory Credentials", '(?:\\s|=|:|"|^)AKC[a-zA-Z0-9]{10,}(?:\\s|"|$)', 0),
    ("Artifactory Credentials", '(?:\\s|=|:|"|^)AP[\\dABCDEF][a-zA-Z0-9]{8,}(?:\\s|"|$)', 0),
    ("Azure Storage Account access key", "AccountKey=[a-zA-Z0-9+\\/=]{88}", 0),
    (
        "Basic Auth Credentials",
        "://[^:/\\?\\#\\[\\]@!\\$\\&'\\(\\)\\*\\+,;=\\s]+:([^:/\\?\\#\\[\\]@!\\$\\&'\\(\\)\\*\\+,;=\\s]+)@",
        0,
    ),
    (
        "Cloudant Credentials",
        "(?:(?<=\\W)|(?<=^))(?:\\[|)(?:\"|\\'|)(?:cloudant|cl|clou)(?:_|-|)(?:api|)(?:key|pwd|pw|password|pass|token)(?:\"|\\'|)(?:\\]|)(?: *)(?:=|:|:=|=>| +|::)(?: *)(?:\"|\\'|)([0-9a-f]{64})(?:\"|\\'|)",
        re.IGNORECASE,
    ),
    (
        "Cloudant Credentials",
        "(?:(?<=\\W)|(?<=^))(?:\\[|)(?:\"|\\'|)(?:cloudant|cl|clou)(?:_|-|)(?:api|)(?:key|pwd|pw|password|pass|token)(?:\"|\\'|)(?:\\]|)(?: *)(?:=|:|:=|=>| +|::)(?: *)(?:\"|\\'|)([a-z]{24})(?:\"|\\'|)",
        re.IGNORECASE,
    ),
    (
        "Cloudant Credentials",
        "(?:https?\\:\\/\\/)[\\w\\-]+\\:([0-9a-f]{64})\\@[\\w\\-]+\\.cloudant\\.com",
        re.IGNORECASE,
    ),
    (
        "Cloudant Credentials",
        "(?:https?\\:\\/\\/)[\\w\\-]+\\:([a-z]{24})\\@[\\w\\-]+\\.cloudant\\.com",
        re.IGNORECASE,
    ),
    ("Discord Bot Token", "[MNO][a-zA-Z\\d_-]{23,25}\\.[a-zA-Z\\d_-]{6}\\.[a-zA-Z\\d_-]{27}", 0),
    ("GitHub Token", "(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}", 0),
    ("GitLab Token", "(glpat|gldt|glft|glsoat|glrt)-[A-Za-z0-9_\\-]{20,50}(?!\\w)", 0),
    ("GitLab Token", "GR1348941[A-Za-z0-9_\\-]{20,50}(?!\\w)", 0),
    ("GitLab Token", "glcbt-([0-9a-fA-F]{2}_)?[A-Za-z0-9_\\-]{20,50}(?!\\w)", 0),
    ("GitLab Token", "glimt-[A-Za-z0-9_\\-]{25}(?!\\w)", 0),
    ("GitLab Token", "glptt-[A-Za-z0-9_\\-]{40}(?!\\w)", 0),
    ("GitLab Token", "glagent-[A-Za-z0-9_\\-]{50,1024}(?!\\w)", 0),
    ("GitLab Token", "gloas-[A-Za-z0-9_\\-]{64}(?!\\w)", 0),
    (
        "IBM COS HMAC Credentials",
        "(?:(?<=\\W)|(?<=^))(?:\\[|)(?:\"|\\'|)(?:(?:ibm)?[-_]?cos[-_]?(?:hmac)?|)(?:_|-|)(?:secret[-_]?(?:access)?[-_]?key)(?:\"|\\'|)(?:\\]|)(?: *)(?:=|:|:=|=>| +|::)(?: *)(?:\"|\\'|)([a-f0-9]{48}(?![a-f0-9]))(?:\"|\\'|)",
        re.IGNORECASE,
    ),
    (
        "IBM Cloud IAM Key",
        "(?:(?<=\\W)|(?<=^))(?:\\[|)(?:\"|\\'|)(?:ibm(?:_|-|)cloud(?:_|-|)iam|cloud(?:_|-|)iam|ibm(?:_|-|)cloud|ibm(?:_|-|)iam|ibm|iam|cloud|)(?:_|-|)(?:api|)(?:_|-|)(?:key|pwd|password|pass|token)(?:\"|\\'|)(?:\\]|)(?: *)(?:=|:|:=|=>| +|::)(?: *)(?:\"|\\'|)([a-zA-Z0-9_\\-]{44}(?![a-zA-Z0-9_\\-]))(?:\"|\\'|)",
        re.IGNORECASE,
    ),
    ("JSON Web Token", "eyJ[A-Za-z0-9-_=]+\\.[A-Za-z0-9-_=]+\\.?[A-Za-z0-9-_.+/=]*?", 0),
    ("Mailchimp Access Key", "[0-9a-z]{32}-us[0-9]{1,2}", 0),
    ("NPM tokens", "\\/\\/.+\\/:_authToken=\\s*((npm_.+)|([A-Fa-f0-9-]{36})).*", 0),
    ("OpenAI Token", "sk-[A-Za-z0-9-_]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}", 0),
    ("Private Key", "BEGIN DSA PRIVATE KEY", 0),
    ("Private Key", "BEGIN EC PRIVATE KEY", 0),
    ("Private Key", "BEGIN OPENSSH PRIVATE KEY", 0),
    ("Private Key", "BEGIN PGP PRIVATE KEY BLOCK", 0),
    ("Private Key", "BEGIN PRIVATE KEY", 0),
    ("Private Key", "BEGIN RSA PRIVATE KEY", 0),
    ("Private Key", "BEGIN SSH2 ENCRYPTED PRIVATE KEY", 0),
    ("Private Key", "PuTTY-User-Key-File-2", 0),
    (
        "Public IP (ipv4)",
        '\n        (?<![\\w.])         # Negative lookbehind: Ensures no preceding word character or dot\n        (                  # Start of the main capturing group\n            (?!            # Negative lookahead: Ensures the following pattern doesn\'t match\n                192\\.168\\. # Exclude "192.168."\n                |127\\.     # Exclude "127."\n                |10\\.      # Exclude "10."\n                |172\\.(?:1[6-9]|2[0-9]|3[01])   # Exclude "172." with specific ranges\n            )\n            (?:            # Non-capturing group for octets\n                           # Match numbers 0-255 followed by dot, properly handle leading zeros\n                (?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\\.\n            ){3}           # Repeat for three octets\n                           # Match final octet (0-255), properly handle leading zeros\n            (?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])\n            (?:            # Optional non-capturing group for port number\n                :\\d{1,5}   # Match colon followed by 1 to 5 digits\n            )?\n        )                  # End of the main capturing group\n        (?![\\w.])          # Negative lookahead: Ensures no following word character or dot\n    ',
        re.IGNORECASE | re.VERBOSE,
    ),
    ("PyPI Token", "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9-_]{70,}", 0),
    ("PyPI Token", "pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9-_]{70,}", 0),
    ("SendGrid API Key", "SG\\.[a-zA-Z0-9_-]{22}\\.[a-zA-Z0-9_-]{43}", 0),
    ("Slack Token", "xox(?:a|b|p|o|s|r)-(?:\\d+-)+[a-z0-9]+", re.IGNORECASE),
    (
        "Slack Token",
        "https://hooks\\.slack\\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+",
        re.IGNORECASE | re.VERBOSE,
    ),
    (
        "SoftLayer Credentials",
        "(?:(?<=\\W)|(?<=^))(?:\\[|)(?:\"|\\'|)(?:softlayer|sl)(?:_|-|)(?:api|)(?:_|-|)(?:key|pwd|password|pass|token)(?:\"|\\'|)(?:\\]|)(?: *)(?:=|:|:=|=>| +|::)(?: *)(?:\"|\\'|)([a-z0-9]{64})(?:\"|\\'|)",
        re.IGNORECASE,
    ),
    (
        "SoftLayer Credentials",
        "(?:http|https)://api.softlayer.com/soap/(?:v3|v3.1)/([a-z0-9]{64})",
        re.IGNORECASE,
    ),
    ("Square OAuth Secret", "sq0csp-[0-9A-Za-z\\\\\\-_]{43}", 0),
    ("Stripe Access Key", "(?:r|s)k_live_[0-9a-zA-Z]{24}", 0),
    ("Telegram Bot Token", "\\d{8,10}:[0-9A-Za-z_-]{35}", 0),
    ("Twilio API Key", "AC[a-z0-9]{32}", 0),
    ("Twilio API Key", "SK[a-z0-9]{32}", 0),
)

# A cheap test per secret type that every text one of its formats matches passes (a necessary
# condition, checked with substrings and a few small patterns), so that a format is compiled and
# searched only where it could match: compiling all of them costs more than checking a script.
_LONG_RUN = re.compile(r"[A-Za-z0-9]{11}")  # 11+ letters and digits in a row
_DOTTED = re.compile(r"\.[\w-]{6}\.")  # Discord's ".xxxxxx."
_DOTTED_QUAD = re.compile(r"\d\.\d+\.\d+\.\d")
_DIGITS_COLON = re.compile(r"\d{8}:")  # Telegram's bot id


# A hint gets the text and its casefold (what a case-insensitive pattern matches: casefold maps
# the Kelvin sign to "k" and the long s to "s", as re.IGNORECASE does; lower() does not).
Hint = Callable[[str, str], bool]
# Words one of which every case-insensitive credential name in a format contains (key, pwd,
# password, pass, token; pw for Cloudant).
_NAME_WORDS = ("key", "pw", "pass", "token")


def _any(*needles: str) -> Hint:
    return lambda text, folded: any(needle in text for needle in needles)


def _any_folded(*needles: str) -> Hint:
    return lambda text, folded: any(needle in folded for needle in needles)


def _run(text: str, folded: str) -> bool:
    return _LONG_RUN.search(text) is not None


def _run_and(*needles: str) -> Hint:
    """A long run of letters and digits, and one of ``needles`` (casefolded)."""
    return lambda text, folded: any(n in folded for n in needles) and _run(text, folded)


FORMAT_HINTS: dict[str, Hint] = {
    "AWS Access Key": lambda text, folded: _run(text, folded) or "aws" in folded,
    "Artifactory Credentials": _run,
    "Azure Storage Account access key": _any("AccountKey="),
    "Basic Auth Credentials": _any("://"),
    "Cloudant Credentials": _run_and(*_NAME_WORDS, "cloudant.com"),
    "Discord Bot Token": lambda text, folded: _DOTTED.search(text) is not None,
    "GitHub Token": _any("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    "GitLab Token": _any(
        "glpat-",
        "gldt-",
        "glft-",
        "glsoat-",
        "glrt-",
        "GR1348941",
        "glcbt-",
        "glimt-",
        "glptt-",
        "glagent-",
        "gloas-",
    ),
    "IBM COS HMAC Credentials": _run_and("secret"),
    "IBM Cloud IAM Key": _any_folded(*_NAME_WORDS),
    "JSON Web Token": _any("eyJ"),
    "Mailchimp Access Key": _run,
    "NPM tokens": _any("_authToken="),
    "OpenAI Token": _any("T3BlbkFJ"),
    "Private Key": _any("PRIVATE KEY", "PuTTY-User-Key-File-2"),
    "Public IP (ipv4)": lambda text, folded: _DOTTED_QUAD.search(text) is not None,
    "PyPI Token": _any("pypi-Ag"),
    "SendGrid API Key": _any("SG."),
    "Slack Token": _any_folded("xox", "hooks.slack.com"),
    "SoftLayer Credentials": _run_and(*_NAME_WORDS, "softlayer"),
    "Square OAuth Secret": _any("sq0csp-"),
    "Stripe Access Key": _any("k_live_"),
    "Telegram Bot Token": lambda text, folded: _DIGITS_COLON.search(text) is not None,
    "Twilio API Key": _run,
}

# detect-secrets' keyword plugin reports nothing on a line without one of these words.
KEYWORD_DENYLIST = (
    "api_?key",
    "auth_?key",
    "service_?key",
    "account_?key",
    "db_?key",
    "database_?key",
    "priv_?key",
    "private_?key",
    "client_?key",
    "db_?pass",
    "database_?pass",
    "key_?pass",
    "password",
    "passwd",
    "pwd",
    "secret",
    "contraseña",
    "contrasena",
)
_KEYWORD_LINE = re.compile("|".join(KEYWORD_DENYLIST), re.IGNORECASE)
# Every keyword contains one of these (casefolded); the regex runs only on text that does.
_KEYWORD_HINTS = ("key", "pass", "pwd", "secret", "contrase")

# detect-secrets' high-entropy plugins: (name, charset, limit).
BASE64_CHARSET = string.ascii_letters + string.digits + "+/" + "\\-_" + "="
HEX_CHARSET = "0123456789abcdefABCDEF"
ENTROPY_TESTS = (
    ("Base64 High Entropy String", BASE64_CHARSET, 4.5),
    ("Hex High Entropy String", HEX_CHARSET, 3.0),
)
_QUOTED = {
    name: re.compile(rf"([\'\"])([{re.escape(charset)}]+)(\1)")
    for name, charset, _ in ENTROPY_TESTS
}
_WHOLE = {name: re.compile(rf"[{re.escape(charset)}]+") for name, charset, _ in ENTROPY_TESTS}

# scheme://user:password@host, with or without a user name.
URL_WITH_PASSWORD = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:'\"]*:(?P<password>[^\s/?#@'\"]+)@"
)
# A password part that is a template or a mask, not a password: {pw}, ${PW}, %s, <pw>, ***.
PLACEHOLDER = re.compile(
    r"\{[^}]*\}|\$\{[^}]*\}|\$\w+|%\(\w+\)s|%s|<[^>]*>|\*+|x+|\.\.\.", re.IGNORECASE
)
# An HTTP authorization value: "Bearer <token>", "Basic <base64>", "Token <t>" (a token has a
# digit and at least 12 characters, so "Basic information" is prose, not a credential).
_SCHEMES = (
    "Bearer",
    "BEARER",
    "bearer",
    "Basic",
    "BASIC",
    "Token",
    "token",
    "Bot",
    "Digest",
    "ApiKey",
)
AUTHORIZATION_VALUE = re.compile(
    rf"\b(?:{'|'.join(_SCHEMES)})\s+(?=[A-Za-z0-9._~+/=\-]*\d)[A-Za-z0-9._~+/=\-]{{12,}}"
)
# A credential inside a string as key=value or key: value (a DSN "password=...", a query string
# "?api_key=...", a header line "token: ..."); the value must look like one (6+ characters with a
# digit, mixed case or punctuation), so that "token: expired" is prose.
KEY_VALUE_SECRET = re.compile(
    r"(?:^|[^a-z0-9])(?:pass(?:word|wd)?|pwd|secret|api[_-]?key|apikey|access[_-]?key"
    r"|(?:access|auth|refresh|bearer)?[_-]?token|client[_-]?secret|private[_-]?key|credentials?)"
    r"\s*[=:]\s*(?P<value>[^\s;&,'\"]{6,})",
    re.IGNORECASE,
)
_KEY_VALUE_HINTS = ("pass", "pwd", "secret", "key", "token", "credential")
# Names that hold credentials: bandit's B105-B107 words as it matches them, detect-secrets'
# keyword list anywhere in the name, and the usual header and parameter names.
_BANDIT_WORDS = "(pas+wo?r?d|pass(phrase)?|pwd|token|secrete?)"
_BANDIT_NAME = re.compile(
    f"(^{_BANDIT_WORDS}$|_{_BANDIT_WORDS}_|^{_BANDIT_WORDS}_|_{_BANDIT_WORDS}$)", re.IGNORECASE
)
_SECRET_NAME = re.compile(
    "|".join(KEYWORD_DENYLIST)
    + r"|credential|authorization|auth_?token|access_?token|access_?key|secret_?key"
    + r"|refresh_?token|bearer|x-api-key|api-key|private-key",
    re.IGNORECASE,
)


def secret_name(name: str) -> bool:
    """Whether a variable, keyword, key or header called ``name`` holds a credential."""
    return bool(_BANDIT_NAME.search(name) or _SECRET_NAME.search(name))


@dataclass(frozen=True)
class Hit:
    """One credential found: the line it is on and what kind it is (never the value)."""

    line: int
    kind: str


def scan(source: str, tree: ast.AST | None = None) -> list[Hit]:
    """Every credential in ``source`` (and its parsed ``tree``, when given), one hit per kind.

    Each line-by-line pass runs only if the same test on the whole text finds something: no
    pattern here matches across a line break where it would not match within a line, so what
    the whole text does not hold, no line holds.
    """
    lines = re.split(r"\r\n|\r|\n", source)  # the tokenizer's line breaks, so numbers match
    hits: set[Hit] = set()
    values: list[tuple[int, str]] = []
    if tree is not None:
        values = list(_string_constants(tree))
        joined = "\n".join(value for _, value in values)
        if _value_could_hold(joined) or any(_high_entropy(value) for _, value in values):
            for number, value in values:
                hits.update(Hit(number, kind) for kind in value_secrets(value))
        hits.update(_context_hits(tree))
    if "://" in source and URL_WITH_PASSWORD.search(source):
        for number, text in enumerate(lines, start=1):
            for match in URL_WITH_PASSWORD.finditer(text):
                if not PLACEHOLDER.fullmatch(match.group("password")):
                    hits.add(Hit(number, "URL with a password"))
    candidates: list[tuple[int, str]] = []
    if _worth_a_look(source):
        candidates += [(n, line) for n, line in enumerate(lines, start=1) if _worth_a_look(line)]
    # A string's pieces between line breaks, quoted: what detect-secrets would see of a value
    # written over several lines (("AKIA..." "...") joined at run time).
    pieces = [
        (line, f'"{piece}"') for line, value in values for piece in re.split(r"\r\n|\r|\n", value)
    ]
    if pieces and _worth_a_look("\n".join(piece for _, piece in pieces)):
        candidates += [(number, piece) for number, piece in pieces if _worth_a_look(piece)]
    if candidates:
        hits.update(_detect_secrets_hits(candidates))
    return sorted(hits, key=lambda hit: (hit.line, hit.kind))


def value_secrets(value: str) -> Iterator[str]:
    """The kinds of credential a string's value holds, whatever code surrounds it."""
    for kind, pattern in _formats_for(value):
        for match in pattern.finditer(value):
            secret = match.group(match.lastindex or 0) if match.lastindex else match.group()
            if secret and not _filtered(secret):
                yield kind
                break
    for match in URL_WITH_PASSWORD.finditer(value):
        if not PLACEHOLDER.fullmatch(match.group("password")):
            yield "URL with a password"
    for match in AUTHORIZATION_VALUE.finditer(value):
        token = match.group().split(None, 1)[1]
        if not _filtered(token):
            yield "authorization value"
    if any(hint in value.casefold() for hint in _KEY_VALUE_HINTS):
        for match in KEY_VALUE_SECRET.finditer(value):
            if _looks_like_a_credential(match.group("value")):
                yield "key=value credential"
                break
    for kind, charset, limit in ENTROPY_TESTS:
        high = _could_exceed(value, kind, limit) and entropy(value, charset) > limit
        if high and not _filtered(value):
            yield kind


def _looks_like_a_credential(value: str) -> bool:
    if PLACEHOLDER.fullmatch(value) or (_filtered(value) and not value.isdigit()):
        return False
    kinds = (
        any(c.isdigit() for c in value),
        any(c.isupper() for c in value) and any(c.islower() for c in value),
        any(not c.isalnum() for c in value),
    )
    return any(kinds)


def _value_could_hold(text: str) -> bool:
    """Whether a known format, a URL with a password or an authorization value is in ``text``."""
    folded = text.casefold()
    return bool(
        (any(hint in folded for hint in _KEY_VALUE_HINTS) and KEY_VALUE_SECRET.search(text))
        or ("://" in text and URL_WITH_PASSWORD.search(text))
        or (any(scheme in text for scheme in _SCHEMES) and AUTHORIZATION_VALUE.search(text))
        or any(pattern.search(text) for _, pattern in _formats_for(text))
    )


def _could_exceed(value: str, kind: str, limit: float) -> bool:
    # Entropy is at most log2(len): a value of 2**limit characters or fewer cannot exceed it.
    return len(value) > 2**limit and _WHOLE[kind].fullmatch(value) is not None


def _high_entropy(value: str) -> bool:
    return any(
        _could_exceed(value, kind, limit) and entropy(value, charset) > limit
        for kind, charset, limit in ENTROPY_TESTS
    )


def entropy(data: str, charset: str) -> float:
    """Shannon entropy of ``data`` over ``charset``, exactly as detect-secrets computes it."""
    if not data:
        return 0.0
    counts = collections.Counter(data)
    result = 0.0
    for symbol in charset:  # detect-secrets' order, so the sum is the same to the last bit
        count = counts.get(symbol)
        if count:
            p = count / len(data)
            result -= p * math.log(p, 2)
    if charset == HEX_CHARSET and len(data) > 1 and data.isdigit():
        # detect-secrets' correction: all-digit strings are mostly numbers, not keys.
        result -= 1.2 / math.log(len(data), 2)
    return result


def _worth_a_look(line: str) -> bool:
    """Whether detect-secrets could report anything on ``line`` (a superset of its triggers)."""
    folded = line.casefold()
    if any(hint in folded for hint in _KEYWORD_HINTS) and _KEYWORD_LINE.search(line):
        return True
    if "://" in line and URL_WITH_PASSWORD.search(line):
        return True
    if any(pattern.search(line) for _, pattern in _formats_for(line, folded)):
        return True
    for kind, charset, limit in ENTROPY_TESTS:
        for match in _QUOTED[kind].finditer(line):
            found = match.group(2)
            if len(found) > 2**limit and entropy(found, charset) > limit:
                return True
    return False


def _formats_for(text: str, folded: str | None = None) -> Iterator[tuple[str, re.Pattern[str]]]:
    """The compiled known formats that could match ``text`` (``FORMAT_HINTS`` says which)."""
    folded = text.casefold() if folded is None else folded
    hinted = {kind for kind, hint in FORMAT_HINTS.items() if hint(text, folded)}
    for index, (kind, _, _) in enumerate(KNOWN_FORMATS):
        if kind in hinted or kind not in FORMAT_HINTS:  # an unknown type: always searched
            yield kind, _compiled(index)


@functools.cache
def _compiled(index: int) -> re.Pattern[str]:
    _, pattern, flags = KNOWN_FORMATS[index]
    return re.compile(pattern, flags)


_SEQUENCES = (
    string.ascii_uppercase + string.ascii_uppercase + string.digits + "+/",
    string.digits + string.ascii_uppercase + string.ascii_uppercase + "+/",
    (string.digits + string.ascii_uppercase) * 2,
    string.digits * 2,
    string.hexdigits.upper() + string.hexdigits.upper(),
    string.ascii_uppercase + "=/",
)
_UUID = re.compile(r"[a-f0-9]{8}\-[a-f0-9]{4}\-[a-f0-9]{4}\-[a-f0-9]{4}\-[a-f0-9]{12}", re.I)


def _filtered(secret: str) -> bool:
    """detect-secrets' value filters (sequences, UUIDs, templates, $VARS, no letter) and masks."""
    upper = secret.upper()
    return bool(
        len(secret) < 2
        or PLACEHOLDER.fullmatch(secret)
        or any(upper in sequence for sequence in _SEQUENCES)
        or _UUID.search(secret)
        or (secret[0], secret[-1]) in (("{", "}"), ("<", ">"))
        or secret.startswith("$")
        or not set(string.ascii_letters) & set(secret)
    )


def _string_constants(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every string (and bytes) constant, and every ``"..." + "..."`` chain of them joined."""
    inner: set[int] = set()  # ids of additions inside a larger chain, joined with it
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            yield node.lineno, node.value.decode("latin-1")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and id(node) not in inner:
            joined = _joined(node, inner)
            if joined is not None:
                yield node.lineno, joined


def _joined(node: ast.expr, inner: set[int]) -> str | None:
    """``"AKIA" + "..."`` as the one string it is at run time (None: not all literal)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        inner.add(id(node.left))
        left = _joined(node.left, inner)
        right = _joined(node.right, inner) if left is not None else None
        return None if left is None or right is None else left + right
    return None


def _literal_secret(node: ast.AST | None) -> bool:
    """A string constant that could be a credential (not empty, not a template or mask)."""
    if not isinstance(node, ast.Constant) or not isinstance(node.value, (str, bytes)):
        return False
    value = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
    value = value.strip()
    return bool(value) and not PLACEHOLDER.fullmatch(value)


def _target_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return None


def _context_hits(tree: ast.AST) -> Iterator[Hit]:
    """bandit's B105-B107, widened: a literal under, against or for a credential's name."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in _flatten(target):
                    name = _target_name(element)
                    literal = node.value is not None and _contains_literal(node.value)
                    if name and secret_name(name) and literal:
                        yield Hit(node.lineno, "bandit B105 hardcoded_password_string")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and isinstance(key.value, str)
                    and secret_name(key.value)
                    and _contains_literal(value)
                ):
                    yield Hit(key.lineno, "bandit B105 hardcoded_password_string")
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            named = any(
                (name := _target_name(operand)) is not None and secret_name(name)
                for operand in operands
            )
            if named and any(_literal_secret(operand) for operand in operands):
                yield Hit(node.lineno, "bandit B105 hardcoded_password_string")
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg and secret_name(keyword.arg) and _contains_literal(keyword.value):
                    yield Hit(node.lineno, "bandit B106 hardcoded_password_funcarg")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            arguments = node.args
            positional = [*arguments.posonlyargs, *arguments.args]
            pairs = list(
                zip(
                    positional[len(positional) - len(arguments.defaults) :],
                    arguments.defaults,
                    strict=True,
                )
            )
            pairs += [
                (argument, default)
                for argument, default in zip(
                    arguments.kwonlyargs, arguments.kw_defaults, strict=True
                )
                if default is not None
            ]
            for argument, default in pairs:
                if secret_name(argument.arg) and _contains_literal(default):
                    yield Hit(node.lineno, "bandit B107 hardcoded_password_default")


def _flatten(target: ast.AST) -> Iterator[ast.AST]:
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _flatten(element)
    else:
        yield target


def _contains_literal(node: ast.AST) -> bool:
    """Whether ``node`` is, or directly builds, a string literal (``"x"``, ``"x" + y``, ...)."""
    if _literal_secret(node):
        return True
    if isinstance(node, ast.JoinedStr):
        return any(_literal_secret(part) for part in node.values)
    if isinstance(node, ast.BinOp):
        return _contains_literal(node.left) or _contains_literal(node.right)
    if isinstance(node, (ast.Tuple, ast.List)):
        return any(_contains_literal(element) for element in node.elts)
    return False


def _detect_secrets_hits(lines: Iterable[tuple[int, str]]) -> Iterator[Hit]:
    """detect-secrets' every plugin on the lines worth a look, with its default filters."""
    plugins, filters = _detect_secrets()
    for number, line in lines:
        for plugin in plugins:
            for potential in plugin.analyze_line(filename="script.py", line=line):
                secret = potential.secret_value
                if secret and not any(_ignored(check, secret, line, plugin) for check in filters):
                    yield Hit(number, plugin.secret_type)


def _ignored(check: Any, secret: str, line: str, plugin: Any) -> bool:
    name = check.__name__
    if name == "is_likely_id_string":
        return bool(check(secret, line, plugin))
    if name == "is_indirect_reference":
        return bool(check(line))
    return bool(check(secret)) or bool(PLACEHOLDER.fullmatch(secret))


@functools.cache
def _detect_secrets() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """detect-secrets' built-in plugins with their default settings, and its heuristic filters.

    Built directly rather than through detect-secrets' process-wide settings, which are not
    thread-safe and include the ``pragma: allowlist secret`` filter a script could use.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.filters import heuristic

    classes: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    plugins = tuple(cls() for cls in classes)
    filters = (
        heuristic.is_sequential_string,
        heuristic.is_potential_uuid,
        heuristic.is_likely_id_string,
        heuristic.is_templated_secret,
        heuristic.is_prefixed_with_dollar_sign,
        heuristic.is_indirect_reference,
        heuristic.is_not_alphanumeric_string,
    )
    return plugins, filters
