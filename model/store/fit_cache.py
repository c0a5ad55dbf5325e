"""A disk cache of calibrations: the same data, ``--until``, code and libraries give the same fit.

The fit takes seconds (the state-space estimate and its parameter draws); forecasts and runs reuse it.  The cache key hashes the observation
files, ``--until``, the calibration package's source, the assumption register and the versions
of the numerical libraries, so any change refits.

An entry is an ``.npz`` of arrays and JSON text (:mod:`expressim.calibration.artefact`, read
without pickle: loading it runs no code), and it is read only from a folder that the current user
owns and that nobody else can write to (checked on the folder and on the file: owner, no
group/other write bit, a regular file, not a link).  Anything else -- a folder planted by another
user, a cache path that is a file, a truncated or foreign entry -- is ignored and the calibration
refitted; a cache problem never fails a command.

Location: ``$EXPRESSIM_CACHE``, else ``$XDG_CACHE_HOME/expressim``, else ``~/.cache/expressim``
(the user's own cache folder, never a shared temporary folder).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expressim.calibration.fit import Fitted

#: libraries whose versions change what a fit holds or how it is read back
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


def _load(path: Path) -> Fitted | None:
    """The cached calibration, or None when absent, in a folder or file others could write, or unreadable."""
    from expressim.calibration import artefact

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
            return artefact.loads(fh.read())
    except Exception:  # noqa: BLE001 - a stale, truncated or foreign entry is just refitted
        return None
    finally:
        os.close(fd)


def _store(path: Path, fitted: Fitted) -> None:
    from expressim.calibration import artefact

    if not _usable_folder(path.parent, create=True):
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(artefact.dumps(fitted))
        tmp.replace(path)
    except OSError:
        pass
    finally:  # an interrupted or failed write leaves no stray file (the cache is rebuilt next time)
        tmp.unlink(missing_ok=True)


def fitted_for(obs: Any, *, use_cache: bool = True) -> Fitted:
    """Calibrate, reusing a cached fit of the same data, ``--until``, code and libraries."""
    from expressim.calibration.fit import fit_all

    key = hashlib.sha256(f"{obs.data_hash}|{obs.until}|{_code_hash()}".encode()).hexdigest()[:24]
    path = cache_dir() / f"{key}.npz"
    if use_cache:
        cached = _load(path)
        if cached is not None:
            return cached
    fitted = fit_all(obs)
    if use_cache:
        _store(path, fitted)
    return fitted
