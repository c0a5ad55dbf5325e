"""Writing run outputs so that they cannot lie: atomic directories, safe names, hashes.

Outputs are written into a hidden temporary sibling directory and renamed into
place only when complete, so an interrupted run never leaves a directory that
looks finished.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class OutputError(ValueError):
    """An output location that cannot be used; one-line message."""


class Interrupted(BaseException):
    """Raised from the SIGTERM handler so that partial outputs are removed on the way out.

    A ``BaseException`` (like ``KeyboardInterrupt``) so that no ``except Exception`` swallows it.
    Kept in this light module so the CLI can install the handler before importing anything heavy.
    """

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)


#: the signal :func:`on_signal` received in this process (None: none), for when an import turned its
#: :class:`Interrupted` into another error (numpy's C extensions raise a plain ImportError)
received_signal: int | None = None


def on_signal(signum: int, frame: Any) -> None:
    """Signal handler: raise :class:`Interrupted` once; further signals are ignored during cleanup."""
    global received_signal
    signal.signal(signum, signal.SIG_IGN)
    received_signal = int(signum)
    raise Interrupted(signum)


#: largest input file hashed into a manifest [bytes]
MAX_INPUT_BYTES = 256 * 2**20


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a regular file's bytes (hex).

    Raises
    ------
    OutputError
        Not a regular file (a FIFO or device is refused before any read) or larger than
        :data:`MAX_INPUT_BYTES`.
    """
    from expressim.calibration.text import FileReadError, read_regular

    try:
        return hashlib.sha256(read_regular(path, MAX_INPUT_BYTES)).hexdigest()
    except FileReadError as exc:
        raise OutputError(f"{path}: {exc}") from None


def _default(o: Any) -> Any:
    import numpy as np

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
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_clean(v) for v in o]
    return o


def write_json(path: str | Path, data: Any) -> None:
    """Write JSON (UTF-8, indented, NaN -> null)."""
    Path(path).write_text(json.dumps(_clean(data), ensure_ascii=False, indent=2, default=_default) + "\n",
                          encoding="utf-8")


MARKER = "manifest.json"
_PARTIAL = ".partial-"


def _is_ancestor(path: Path, of: Path) -> bool:
    try:
        of.relative_to(path)
        return True
    except ValueError:
        return False


def check_target(target: str | Path, *, force: bool = False) -> Path:
    """Check that ``target`` may receive a run's outputs; returns it as a Path.

    A missing or empty folder is fine.  A folder holding a previous output (it has a
    ``manifest.json``) is replaced only with ``force``.  Anything else -- a file, a
    folder with other content, the current folder or one of its parents -- is refused,
    even with ``force``: replacing it would delete files the tool did not write.

    Raises
    ------
    OutputError
        One line naming the folder and what to do.
    """
    t = Path(target)
    if t.exists() and not t.is_dir():
        raise OutputError(f"--out {t}: exists and is not a folder; expected a new or empty folder")
    if not t.exists():
        return t
    if _is_ancestor(t.resolve(), Path.cwd().resolve()):
        raise OutputError(f"--out {t}: is the current folder or one of its parents; expected a new folder")
    try:
        entries = list(t.iterdir())
    except OSError as exc:
        raise OutputError(f"--out {t}: cannot be read ({exc.strerror})") from None
    if not entries:
        return t
    if not (t / MARKER).is_file():
        raise OutputError(f"--out {t}: is not empty and holds no expressim output ({MARKER}); "
                          f"expected a new or empty folder (not replaced, even with --force)")
    if not force:
        raise OutputError(f"--out {t}: already holds a run; choose another folder or pass --force to replace it")
    return t


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _remove_stale(target: Path) -> None:
    """Remove partial/old siblings of ``target`` left by processes that no longer run (kill -9)."""
    prefix = f".{target.name}."
    for d in target.parent.glob(f"{glob_escape(prefix)}*"):
        rest = d.name[len(prefix):]
        m = re.match(r"^(?:partial|old)-(\d+)(?:-|$)", rest)
        if m and d.is_dir() and not _pid_alive(int(m[1])):
            shutil.rmtree(d, ignore_errors=True)


def glob_escape(text: str) -> str:
    """Escape glob metacharacters in a literal name."""
    return re.sub(r"([*?\[])", r"[\1]", text)


@contextmanager
def _claimed(target: Path) -> Iterator[None]:
    """Hold ``.<target>.lock`` (created exclusively, holding our pid) while a run writes ``target``.

    A lock left by a process that no longer runs is taken over; one held by a live process
    means another run is writing the same folder: refused.
    """
    lock = target.with_name(f".{target.name}.lock")
    for attempt in range(2):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            try:
                holder = int(lock.read_text(encoding="ascii").strip() or "0")
            except (OSError, ValueError):
                holder = 0
            if attempt == 0 and holder and not _pid_alive(holder):
                lock.unlink(missing_ok=True)
                continue
            raise OutputError(f"--out {target}: another expressim process (pid {holder or '?'}) is writing this "
                              f"folder; expected a folder no other run is writing") from None
        except OSError as exc:
            raise OutputError(f"--out {target}: cannot write in {target.parent} ({exc.strerror})") from None
    try:
        os.write(fd, str(os.getpid()).encode("ascii"))
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


@contextmanager
def atomic_dir(target: str | Path, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary directory that becomes ``target`` only if the block completes.

    The temporary directory is a hidden sibling named ``.<target>.partial-<pid>-<random>``;
    on any exception, Ctrl-C or SIGTERM (see :mod:`model.cli`) it is removed, so an
    interrupted run never leaves a folder that looks finished.  One left by a process
    killed outright (``kill -9``) keeps its ``partial`` name and is removed by the next
    run writing to the same target.

    Two processes writing one target: the one that does not hold the target's lock is
    refused, and without ``force`` the final rename never replaces a folder that appeared
    in the meantime (a rename onto a non-empty folder fails), so exactly one run wins and
    the other ends with :class:`OutputError` (exit code 2), its outputs removed.

    Parameters
    ----------
    target : path
        Final output directory.
    force : bool
        Replace an existing ``target`` that holds a previous output (see :func:`check_target`).

    Raises
    ------
    OutputError
        If ``target`` cannot be used (see :func:`check_target`), another process is
        writing it, or it appeared while this one wrote (without ``force``).
    """
    target = check_target(target, force=force)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {target}: cannot create its parent folder ({exc.strerror})") from None
    with _claimed(target):
        target = check_target(target, force=force)  # again, now that no other process can write it
        _remove_stale(target)
        pid = os.getpid()
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{_PARTIAL}{pid}-", dir=target.parent))
        except OSError as exc:
            raise OutputError(f"--out {target}: cannot write in {target.parent} ({exc.strerror})") from None
        try:
            yield tmp
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        try:
            if force and target.exists():
                old = target.with_name(f".{target.name}.old-{pid}")
                target.rename(old)
                tmp.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                try:
                    tmp.rename(target)  # onto nothing or an empty folder; a non-empty one is never replaced
                except OSError as exc:
                    raise OutputError(f"--out {target}: another run completed this folder first "
                                      f"({exc.strerror}); nothing replaced") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
