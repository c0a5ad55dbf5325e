"""Decoding text files written by people and office software (shared by the CSV and YAML readers)."""

from __future__ import annotations

import os
import stat
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


class FileReadError(ValueError):
    """A path that is not a readable regular file of acceptable size; the message names no file."""


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_regular(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of a regular file, refusing anything else and stopping at ``max_bytes``.

    The file is opened without blocking and checked on the open descriptor (so a FIFO,
    a device or a link to one is refused before any read, and cannot be swapped in
    between a check and the read); the size limit holds while reading, whatever
    ``stat`` reported.

    Parameters
    ----------
    path : path-like
        The file (links are followed).
    max_bytes : int
        Largest accepted size [bytes].

    Raises
    ------
    FileReadError
        Missing, not a regular file, unreadable, or larger than ``max_bytes``.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileReadError("no such file") from None
    except IsADirectoryError:
        raise FileReadError("is a folder, not a file") from None
    except OSError as exc:
        raise FileReadError(f"cannot open ({exc.strerror or type(exc).__name__})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise FileReadError(f"is {kind}; expected a regular file")
        chunks: list[bytes] = []
        total = 0
        while True:
            block = os.read(fd, min(2**20, max_bytes + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
            if total > max_bytes:
                raise FileReadError(f"larger than {max_bytes} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise FileReadError(f"cannot read ({exc.strerror or type(exc).__name__})") from None
    finally:
        os.close(fd)
