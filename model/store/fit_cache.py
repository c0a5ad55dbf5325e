"""A disk cache of calibrations: the same data, ``--until``, code and libraries give the same fit.

The fit takes seconds; forecasts and runs reuse it.  The cache key hashes the observation
files, ``--until``, the calibration package's source, the assumption register and the versions
of the numerical libraries, so any change refits.

A cached entry is a pickle, and loading a pickle runs code, so an entry is read only from a
folder that the current user owns and that nobody else can write to (checked on the folder and
on the file: owner, no group/other write bit, a regular file, not a link).  Anything else -- a
folder planted by another user, a cache path that is a file, a truncated entry, an object of
the wrong type -- is ignored and the calibration refitted; a cache problem never fails a command.

Location: ``$EXPRESSIM_CACHE``, else ``$XDG_CACHE_HOME/expressim``, else ``~/.cache/expressim``
(the user's own cache folder, never a shared temporary folder).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expressim.calibration.fit import Fitted

#: libraries whose versions change what a fit object holds or how it unpickles
KEY_LIBRARIES = ("numpy", "scipy", "pandas", "statsmodels", "pydantic")


def cache_dir() -> Path:
    """The cache folder (not created here)."""
    if os.environ.get("EXPRESSIM_CACHE"):
        return Path(os.environ["EXPRESSIM_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "expressim"


def _private(st: os.stat_result, *, folder: bool) -> bool:
    """Owned by this user, writable by nobody else, of the expected kind."""
    kind_ok = stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)
    return kind_ok and st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _code_hash() -> str:
    from importlib import metadata

    from expressim import calibration

    h = hashlib.sha256()
    root = Path(calibration.__file__).parent
    for f in sorted(root.glob("*.py")) + [root / "data" / "assumptions.yaml"]:
        h.update(f.read_bytes())
    for lib in KEY_LIBRARIES:
        try:
            h.update(f"{lib}={metadata.version(lib)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=absent".encode())
    return h.hexdigest()[:16]


def _usable_folder(d: Path, *, create: bool) -> bool:
    try:
        if create:
            d.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _private(os.lstat(d), folder=True)
    except OSError:
        return False


def _load(path: Path, expected: type) -> Any | None:
    """The cached object, or None when absent, unsafe to unpickle, unreadable or of the wrong type."""
    if not _usable_folder(path.parent, create=False):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not _private(os.fstat(fd), folder=False):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            obj = pickle.load(fh)  # noqa: S301 - only from a private folder and file, see the module docstring
    except Exception:  # noqa: BLE001 - a stale or truncated cache is just refitted
        return None
    finally:
        os.close(fd)
    return obj if isinstance(obj, expected) else None


def _store(path: Path, obj: Any) -> None:
    if not _usable_folder(path.parent, create=True):
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh)
        tmp.replace(path)
    except (OSError, pickle.PicklingError):
        pass
    finally:  # an interrupted or failed write leaves no stray file (the cache is rebuilt next time)
        tmp.unlink(missing_ok=True)


def fitted_for(obs: Any, *, use_cache: bool = True) -> Fitted:
    """Calibrate, reusing a cached fit of the same data, ``--until``, code and libraries."""
    from expressim.calibration.fit import Fitted, fit_all  # noqa: F811 - the runtime class for isinstance

    key = hashlib.sha256(f"{obs.data_hash}|{obs.until}|{_code_hash()}".encode()).hexdigest()[:24]
    path = cache_dir() / f"{key}.pickle"
    if use_cache:
        cached = _load(path, Fitted)
        if isinstance(cached, Fitted):
            return cached
    fitted = fit_all(obs)
    if use_cache:
        _store(path, fitted)
    return fitted
