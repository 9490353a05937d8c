"""A script file's bytes as the one text that is validated, archived and run."""

from __future__ import annotations


def decode_script(data: bytes) -> str:
    """The text of a script file, decoded once as UTF-8 (a leading BOM dropped).

    This is the text to validate and to hand the runtime, re-encoded as UTF-8: a declaration of
    another encoding stays in it, so ``validate`` refuses it. Raises ``UnicodeDecodeError``
    when the bytes are not UTF-8.
    """
    return data.decode("utf-8-sig")
