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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TypedDict


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


def on_signal(signum: int, frame: FrameType | None) -> None:
    """Signal handler: raise :class:`Interrupted` once; further signals are ignored during cleanup."""
    global received_signal
    signal.signal(signum, signal.SIG_IGN)
    received_signal = int(signum)
    raise Interrupted(signum)


def raise_if_interrupted() -> None:
    """Raise :class:`Interrupted` when a signal was received, even if its exception was swallowed.

    A SIGTERM that lands inside code catching every exception (a finaliser, a library's
    ``except BaseException``) loses its :class:`Interrupted`; :data:`received_signal` still records
    it, and :func:`atomic_dir` and the CLI check it before completing a folder or reporting success.
    """
    if received_signal is not None:
        raise Interrupted(received_signal)


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


def write_json(path: str | Path, data: object) -> None:
    """Write JSON (UTF-8, indented, NaN -> null; numpy numbers and arrays and paths as JSON values)."""
    Path(path).write_text(json.dumps(_clean(data), ensure_ascii=False, indent=2, default=_default) + "\n",
                          encoding="utf-8")


MARKER = "manifest.json"
_PARTIAL = ".partial-"
#: the schema every output folder's manifest.json names: with the files it lists, it marks a folder this tool wrote
OUTPUT_SCHEMA = "expressim-output/1"
#: a file in every temporary folder while it is written (removed just before it is renamed into place), so a
#: leftover partial folder is known to be the tool's own before it is removed
PARTIAL_MARK = ".expressim-partial"


def _is_ancestor(path: Path, of: Path) -> bool:
    try:
        of.relative_to(path)
        return True
    except ValueError:
        return False


def _file_digest(path: Path) -> tuple[int, str]:
    """(bytes, SHA-256) of a regular file, read without following a link."""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                 | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path.name}: not a regular file")
        h, size = hashlib.sha256(), 0
        while block := os.read(fd, 2**20):
            h.update(block)
            size += len(block)
        return size, h.hexdigest()
    finally:
        os.close(fd)


class ListedFile(TypedDict):
    """A file an output folder's manifest lists: its size and digest."""

    bytes: int
    sha256: str


def listed_files(folder: Path) -> dict[str, ListedFile]:
    """Every regular file under ``folder`` but its manifest, as ``relative/path -> {bytes, sha256}``."""
    out: dict[str, ListedFile] = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            if rel != MARKER:
                size, digest = _file_digest(p)
                out[rel] = {"bytes": size, "sha256": digest}
    return dict(sorted(out.items()))


def seal(folder: Path) -> None:
    """Record in ``folder/manifest.json`` the output schema and every file the folder holds.

    Called on a completed temporary folder just before it is renamed into place: the listing is
    what lets a later ``--force`` prove the folder is the tool's own (:func:`why_not_ours`).  A
    folder without a manifest gets one holding only the schema and the listing.
    """
    (folder / PARTIAL_MARK).unlink(missing_ok=True)
    man = folder / MARKER
    data: Any = json.loads(man.read_text(encoding="utf-8")) if man.is_file() else {}
    if not isinstance(data, dict):
        data = {"recorded": data}
    data.pop("files", None)
    data["output_schema"] = OUTPUT_SCHEMA
    data["files"] = listed_files(folder)
    write_json(man, data)


def why_not_ours(folder: Path) -> str | None:
    """None when ``folder`` is provably an output folder this tool wrote, else why not (a phrase).

    Provably ours: a regular ``manifest.json`` (at most 4 MiB) naming :data:`OUTPUT_SCHEMA` and listing
    files, and nothing else in the folder -- no file it does not list, no link, no other kind of file,
    no folder holding no listed file, no listed file whose bytes changed since it was written.
    """
    import stat

    from expressim.calibration.text import FileReadError, read_regular

    man = folder / MARKER
    if man.is_symlink():
        return f"its {MARKER} is a link"
    try:
        data = json.loads(read_regular(man, 4 * 2**20).decode("utf-8"))
    except FileReadError as exc:
        return f"its {MARKER}: {exc}"
    except (UnicodeDecodeError, ValueError, RecursionError):
        return f"its {MARKER} is not JSON"
    if not isinstance(data, dict) or data.get("output_schema") != OUTPUT_SCHEMA:
        return f"its {MARKER} does not name the schema {OUTPUT_SCHEMA} of an expressim output folder"
    files = data.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("bytes"), int)
            and isinstance(v.get("sha256"), str) for k, v in files.items()):
        return f"its {MARKER} has no list of the files expressim wrote (files)"
    folders_used = {p.as_posix() for k in files for p in Path(k).parents if p != Path(".")}
    for root, dirs, names in os.walk(folder):
        for name in [*dirs, *names]:
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            mode = p.lstat().st_mode
            if stat.S_ISLNK(mode):
                return f"holds a link ({rel}) expressim did not write"
            if stat.S_ISDIR(mode):
                if rel not in folders_used:
                    return f"holds a folder ({rel}) its {MARKER} does not list"
            elif not stat.S_ISREG(mode):
                return f"holds {rel}, which is not a regular file"
            elif rel != MARKER:
                if rel not in files:
                    return f"holds {rel}, which its {MARKER} does not list"
                try:
                    size, digest = _file_digest(p)
                except OSError as exc:
                    return f"{rel} cannot be read ({exc.strerror or exc})"
                if size != files[rel]["bytes"] or digest != files[rel]["sha256"]:
                    return f"{rel} changed since expressim wrote it"
    return None


def check_target(target: str | Path, *, force: bool = False) -> Path:
    """Check that ``target`` may receive a run's outputs; returns it as a Path.

    A missing or empty folder is fine.  A folder holding a previous output is replaced only with
    ``force``, and only when it is provably the tool's own (:func:`why_not_ours`: its manifest
    names the tool's schema and lists every file in it, unchanged).  Anything else -- a file, a
    folder with other content, a link, the current folder or one of its parents -- is refused,
    even with ``force``: replacing it could delete files the tool did not write.

    Raises
    ------
    OutputError
        One line naming the folder and what to do.
    """
    t = Path(target)
    if t.is_symlink():
        raise OutputError(f"--out {t}: is a link; expected a new folder or one expressim wrote (not replaced, "
                          f"even with --force)")
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
    why = why_not_ours(t)
    if why is not None:
        raise OutputError(f"--out {t}: {why}; expected a folder expressim wrote, holding only the files its "
                          f"{MARKER} lists (not replaced, even with --force: move or delete it yourself)")
    return t


def _print_warning(message: str) -> None:
    import sys

    from expressim.model.spec.validation_messages import escape_controls

    print(f"expressim: warning: {escape_controls(message)}", file=sys.stderr)


def _leftovers(target: Path, warn: Callable[[str], None]) -> None:
    """Deal with what runs that were killed left beside ``target`` (called with its lock held).

    A partial folder holding :data:`PARTIAL_MARK` is the tool's own, unfinished: removed.  Anything
    else -- a previous run an interrupted ``--force`` had moved aside (``.<target>.old-<pid>``), a
    partial folder without the mark -- is kept, and ``warn`` says where.
    """
    prefix = f".{target.name}."
    for d in sorted(target.parent.glob(f"{glob_escape(prefix)}*")):
        rest = d.name[len(prefix):]
        if not re.match(r"^(?:partial|old)-\d+(?:-|$)", rest) or d.is_symlink() or not d.is_dir():
            continue
        if rest.startswith("partial") and (d / PARTIAL_MARK).is_file() and not (d / PARTIAL_MARK).is_symlink():
            shutil.rmtree(d, ignore_errors=True)
        elif rest.startswith("old") and not any(d.iterdir()):
            d.rmdir()  # made empty just before a move aside that did not happen: holds nothing
        elif rest.startswith("old"):
            warn(f"--out {target}: kept {d}, a previous run whose replacement (--force) was interrupted; "
                 f"move it back to {target} or delete it yourself")
        else:
            warn(f"--out {target}: kept {d}, an unfinished folder expressim cannot prove it wrote; "
                 f"delete it yourself")


def glob_escape(text: str) -> str:
    """Escape glob metacharacters in a literal name."""
    return re.sub(r"([*?\[])", r"[\1]", text)


@contextmanager
def _claimed(target: Path) -> Iterator[None]:
    """Hold an OS lock (``fcntl.flock``) on ``.<target>.lock`` for as long as a run writes ``target``.

    The kernel drops the lock when the process ends however it ends, and it holds across PID
    namespaces (containers sharing a volume), so no process id is ever trusted: a lock file that
    nobody holds (left by a killed run, or empty) is simply taken; one held means another run is
    writing the same folder: refused.  The file holds the holder's pid for the message only.
    """
    import fcntl

    lock = target.with_name(f".{target.name}.lock")
    for _ in range(10):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0),
                         0o644)
        except OSError as exc:
            raise OutputError(f"--out {target}: cannot write the lock {lock.name} in {target.parent} "
                              f"({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
            except OSError:
                holder = ""
            os.close(fd)
            holder = holder if holder.isdigit() else "?"
            raise OutputError(f"--out {target}: another expressim process (pid {holder}) is writing this "
                              f"folder; expected a folder no other run is writing") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock, follow_symlinks=False))
        except OSError:
            same = False
        if same:  # not a lock file its previous holder removed between our open and our lock
            break
        os.close(fd)
    else:
        raise OutputError(f"--out {target}: its lock {lock.name} keeps changing; expected a folder no other run is writing")
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))
        yield
    finally:
        try:
            lock.unlink(missing_ok=True)  # while still held, so no other process holds a lock on a removed file
        finally:
            os.close(fd)


@contextmanager
def atomic_dir(target: str | Path, *, force: bool = False,
               warn: Callable[[str], None] = _print_warning) -> Iterator[Path]:
    """Yield a temporary directory that becomes ``target`` only if the block completes.

    The temporary directory is a hidden sibling named ``.<target>.partial-<pid>-<random>``;
    on any exception, Ctrl-C or SIGTERM (see :mod:`model.cli`) it is removed, so an
    interrupted run never leaves a folder that looks finished.  One left by a process
    killed outright (``kill -9``) keeps its ``partial`` name and is removed by the next
    run writing to the same target (it holds :data:`PARTIAL_MARK`, so it is known to be the
    tool's own).  A completed folder's manifest lists every file in it (:func:`seal`).

    Two processes writing one target: the one that does not hold the target's OS lock is
    refused, and without ``force`` the final rename never replaces a folder that appeared
    in the meantime (a rename onto a non-empty folder fails), so exactly one run wins and
    the other ends with :class:`OutputError` (exit code 2), its outputs removed.  With
    ``force`` the previous folder is moved aside and the new one moved in with SIGINT and
    SIGTERM held back between the two renames; a previous folder left aside by a process
    killed outright is never removed: ``warn`` says where it is.

    Parameters
    ----------
    target : path
        Final output directory.
    force : bool
        Replace an existing ``target`` that is provably a previous output (see :func:`check_target`).
    warn : callable
        Called with a one-line message about a leftover folder kept (default: printed on stderr).

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
        _leftovers(target, warn)
        pid = os.getpid()
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{_PARTIAL}{pid}-", dir=target.parent))
            (tmp / PARTIAL_MARK).write_bytes(b"")
        except OSError as exc:
            raise OutputError(f"--out {target}: cannot write in {target.parent} ({exc.strerror})") from None
        try:
            yield tmp
            raise_if_interrupted()  # a signal whose exception something swallowed: the folder is not completed
            seal(tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        try:
            if force and target.exists():
                check_target(target, force=True)  # still the tool's own, just before it is moved aside
                old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{pid}-", dir=target.parent))
                held = {signal.SIGINT, signal.SIGTERM}
                previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
                try:
                    raise_if_interrupted()
                    target.rename(old)  # onto the empty folder just made
                    tmp.rename(target)
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, previous)
                shutil.rmtree(old, ignore_errors=True)
            else:
                raise_if_interrupted()
                try:
                    tmp.rename(target)  # onto nothing or an empty folder; a non-empty one is never replaced
                except OSError as exc:
                    raise OutputError(f"--out {target}: another run completed this folder first "
                                      f"({exc.strerror}); nothing replaced") from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
