"""Decoding text files written by people and office software (shared by the CSV and YAML readers)."""

from __future__ import annotations

from collections.abc import Sequence

_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030"}


class TextDecodeError(ValueError):
    """Bytes that are not text in any accepted encoding; the message says why (no file name)."""


def decode_text(raw: bytes, encodings: Sequence[str] = ("utf-8-sig",)) -> str:
    """Decode file bytes: UTF-16 when it starts with its BOM, else the first of ``encodings`` that fits.

    Raises
    ------
    TextDecodeError
        Broken UTF-16, binary content (NUL bytes), or no encoding fits.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise TextDecodeError("broken UTF-16 text") from None
    if b"\x00" in raw:
        raise TextDecodeError("binary content (NUL bytes)")
    first_failure = 0
    for i, enc in enumerate(encodings):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            if i == 0:
                first_failure = exc.start
    names = " or ".join(_NAMES.get(e, e) for e in encodings)
    raise TextDecodeError(f"not {names} text (byte {first_failure})")
