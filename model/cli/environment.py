"""A hostile process environment, made safe before a command runs.

* Standard streams: a closed file descriptor 0, 1 or 2 is reopened on ``/dev/null`` (otherwise the
  next file the tool opens -- a lock, an output -- would take its number and receive the messages);
  a stream Python left as ``None`` gets ``/dev/null``; text an encoding cannot show
  (``PYTHONIOENCODING=ascii``, ``LC_ALL=C``, a latin-1 locale) is written as ``\\uXXXX`` escapes
  instead of failing.  Files are always written as UTF-8 by the store, whatever the locale.
* An interruption raised inside a finaliser (where Python prints "Exception ignored" and carries on) is
  recorded instead of printed, so the command still ends as interrupted.
* A broken or full standard output (``| head``, ``> /dev/full``) ends the command quietly with exit
  code 1 (:func:`output_failed`): no traceback, nothing printed at the interpreter's exit.
* Matplotlib's configuration and font cache go to a folder the tool controls (``MPLCONFIGDIR``: the
  fit cache's folder's ``matplotlib`` subfolder, else a private temporary folder), never a
  read-only or shared ``HOME``; its log messages are shown only with ``--verbose``.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

__all__ = ["output_failed", "prepare"]


def _usable_private_folder(d: Path) -> bool:
    try:
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=d, prefix=".probe-", delete=True)  # noqa: SIM115 - closed at once
        probe.close()
        return True
    except OSError:
        return False


def _matplotlib_folder() -> None:
    """Point ``MPLCONFIGDIR`` at a writable folder the tool controls (left alone when the user set it)."""
    if os.environ.get("MPLCONFIGDIR"):
        return
    from expressim.model.store.fit_cache import cache_dir

    try:
        mine = cache_dir() / "matplotlib"
    except (OSError, RuntimeError, KeyError):
        mine = None
    if mine is not None and _usable_private_folder(mine):
        os.environ["MPLCONFIGDIR"] = str(mine)
        return
    try:
        tmp = tempfile.mkdtemp(prefix="expressim-mpl-")
    except OSError:
        return  # no writable folder at all: matplotlib then keeps its configuration in memory
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = tmp


def _open_standard_descriptors() -> None:
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                os.open(os.devnull, os.O_RDWR)  # takes the lowest free number: this one
            except OSError:
                pass


def _tolerant_streams() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the process
            continue
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _unraisable(unraisable: UnraisableHookArgs) -> None:
    """An interruption raised where Python cannot propagate it (a finaliser): recorded, not printed.

    :func:`expressim.model.store.folders.raise_if_interrupted` then stops the folder from completing
    and the CLI reports the interruption (exit 128 + signal) instead of a success.
    """
    from expressim.model.store import folders

    exc = unraisable.exc_value
    if isinstance(exc, folders.Interrupted):
        folders.received_signal = exc.signum
        return
    if isinstance(exc, KeyboardInterrupt):
        folders.received_signal = int(signal.SIGINT)
        return
    sys.__unraisablehook__(unraisable)


def prepare(verbose: bool = False) -> None:
    """Make the streams, matplotlib's folders and library logging safe (see the module docstring); matplotlib's
    log messages are shown only when ``verbose``."""
    sys.unraisablehook = _unraisable
    _open_standard_descriptors()
    _tolerant_streams()
    _matplotlib_folder()
    if not verbose:
        logging.getLogger("matplotlib").setLevel(logging.ERROR)


def _to_devnull(stream_name: str) -> None:
    stream = getattr(sys, stream_name)
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def output_failed(exc: OSError) -> int:
    """End a command whose output could not be written (a broken pipe, a full disk): exit code 1.

    Standard output is pointed at ``/dev/null`` so the interpreter's last flush cannot fail again;
    a full or failing output (not a pipe closed by its reader) is said in one line on stderr, when
    stderr itself can still be written.
    """
    _to_devnull("stdout")
    if not isinstance(exc, BrokenPipeError):
        try:
            print(f"expressim: error: cannot write the output ({exc.strerror or exc})", file=sys.stderr)
            sys.stderr.flush()
        except OSError:
            _to_devnull("stderr")
    else:
        try:
            sys.stderr.flush()
        except OSError:
            _to_devnull("stderr")
    return 1
