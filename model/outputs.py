"""Writing run outputs so that they cannot lie: atomic directories, safe names, hashes.

Outputs are written into a hidden temporary sibling directory and renamed into
place only when complete, so an interrupted run never leaves a directory that
looks finished.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np


class OutputError(ValueError):
    """An output location that cannot be used; one-line message."""


def safe_name(name: str) -> str:
    """A scenario name made safe for a path component (no separators, no ``..``, no leading dot).

    >>> safe_name("../../etc/passwd")
    'etc_passwd'
    """
    s = re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("._")
    s = re.sub(r"\.{2,}", "_", s)
    return s[:80] or "scenario"


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")


def _clean(o: Any) -> Any:
    """Replace non-finite floats by None (JSON has no NaN)."""
    if isinstance(o, float):
        return o if np.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_clean(v) for v in o]
    return o


def write_json(path: str | Path, data: Any) -> None:
    """Write JSON (UTF-8, indented, NaN -> null)."""
    Path(path).write_text(json.dumps(_clean(data), ensure_ascii=False, indent=2, default=_default) + "\n",
                          encoding="utf-8")


@contextmanager
def atomic_dir(target: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary directory that becomes ``target`` only if the block completes.

    Parameters
    ----------
    target : path
        Final output directory.
    force : bool
        Replace an existing non-empty ``target``; otherwise refuse.

    Raises
    ------
    OutputError
        If ``target`` exists, is not empty and ``force`` is False, or is a file.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputError(f"--out {target}: exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise OutputError(f"--out {target}: already holds a run; choose another folder or pass --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(target)
