"""A disk cache of calibrations: the same data, ``--until``, code and libraries give the same fit.

The fit takes seconds (the state-space estimate and its parameter draws); forecasts and runs reuse it.  The cache key hashes the observation
files, ``--until``, the region pack's levels and register entries, the calibration package's source, the
assumption register and the versions
of the numerical libraries, so any change refits.

An entry is an ``.npz`` of arrays and JSON text (:mod:`expressim.calibration.artefact`, read
without pickle: loading it runs no code), and it is read only from a folder that the current user
owns and that nobody else can write to (checked on the folder and on the file: owner, no
group/other write bit, a regular file, not a link).  Anything else -- a folder planted by another
user, a cache path that is a file, a truncated or foreign entry -- is ignored and the calibration
refitted; a cache problem never fails a command.

An entry read back is also checked whole before it is used (:func:`check_fit`: the artefact's format,
every array's dtype, shape and consistency with the others, every number finite, the parameter
names of this code); one that does not pass is ignored and refitted, never used.

Entries are keyed by the observations the fit reads (after the ``--until`` cut), not by the files
and the cut: two as-of dates between releases are one entry.  The folder is bounded: after each
store the least recently used entries are removed beyond :data:`MAX_ENTRIES` or :data:`MAX_BYTES`
(only the tool's own entry names, ``<24 hex digits>.npz``, are ever removed).

Location: ``$EXPRESSIM_CACHE``, else ``$XDG_CACHE_HOME/expressim``, else ``~/.cache/expressim``
(the user's own cache folder, never a shared temporary folder).
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expressim.calibration.fit import Fitted
    from expressim.calibration.observations import ObservationSet
    from expressim.model.spec.regions import RegionPack

#: libraries whose versions change what a fit holds or how it is read back
KEY_LIBRARIES = ("numpy", "scipy", "pandas", "statsmodels", "pydantic")
#: most entries kept (each a few MB); the least recently used go first
MAX_ENTRIES = 24
#: most bytes the entries may take together
MAX_BYTES = 128 * 2**20
#: the name of an entry this tool wrote (the only files pruning removes)
ENTRY_NAME = re.compile(r"[0-9a-f]{24}\.npz")


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
    from expressim.calibration.observations import NOT_OBSERVATIONS

    extra = [root / "data" / "assumptions.yaml"] + [root / "data" / n for n in sorted(NOT_OBSERVATIONS)]
    for f in sorted(root.glob("*.py")) + extra:
        h.update(f.name.encode())
        h.update(f.read_bytes() if f.is_file() else b"absent")
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


def _finite_numbers(value: Any, where: str, depth: int = 0) -> str | None:
    """Where a non-finite number (or an object deeper than plain data goes) hides in ``value``; None if nowhere."""
    import numpy as np

    if depth > 12:
        return f"{where}: nested too deeply"
    if isinstance(value, bool | str) or value is None:
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return None if math.isfinite(float(value)) else f"{where}: {value}"
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fiub":
            return f"{where}: dtype {value.dtype}"
        return None if value.size == 0 or bool(np.isfinite(value).all()) else f"{where}: not finite"
    if isinstance(value, dict):
        for k, v in value.items():
            bad = _finite_numbers(k, f"{where} key", depth + 1) or _finite_numbers(v, f"{where}.{k}", depth + 1)
            if bad:
                return bad
        return None
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            bad = _finite_numbers(v, f"{where}.{i}", depth + 1)
            if bad:
                return bad
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for fld in dataclasses.fields(value):
            bad = _finite_numbers(getattr(value, fld.name), f"{where}.{fld.name}", depth + 1)
            if bad:
                return bad
        return None
    return f"{where}: a {type(value).__name__}"


def check_fit(f: object, register: Mapping[str, Mapping[str, object]] | None = None) -> str | None:
    """Why a calibration read back from the cache cannot be used (None: it can).

    Checks every array's dtype (float) and shape and their agreement with each other (the
    parameters of this code's state-space model, draws, years), the seasonal profile's twelve
    months, that every number anywhere in it is finite, that its assumption register is ``register``
    (default: this code's, ``calibration/data/assumptions.yaml``) and its populations positive.
    """
    import numpy as np

    from expressim.calibration.fit import Fitted
    from expressim.calibration.statespace import PARAMS

    if not isinstance(f, Fitted):
        return f"not a calibration ({type(f).__name__})"
    h = f.hier
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (h.first_year, h.last_year, h.n_observations)):
        return "years or observation count not whole numbers"
    years, k = h.last_year - h.first_year + 1, len(PARAMS)
    arrays = {"params": h.params, "theta_cov": h.theta_cov, "param_draws": h.param_draws,
              "state_mean": h.state_mean, "state_chol": h.state_chol, "profile.weights": f.profile.weights}
    for name, a in arrays.items():
        if not isinstance(a, np.ndarray) or a.dtype != np.float64:
            return f"{name}: expected float64 values"
    draws = h.param_draws.shape[0] if h.param_draws.ndim == 2 else 0
    m = h.state_mean.shape[2] if h.state_mean.ndim == 3 else 0
    want = {"params": (k,), "theta_cov": (k, k), "param_draws": (draws, k), "state_mean": (draws, years, m),
            "state_chol": (draws, years, m, m), "profile.weights": (12,)}
    for name, shape in want.items():
        if arrays[name].shape != shape or not years >= 1 or not draws >= 1 or not m >= 1:
            return f"{name}: shape {arrays[name].shape}, expected {shape}"
    if not isinstance(f.published, dict) or not isinstance(f.register, dict) or not isinstance(f.populations, dict):
        return "published, register or populations not a mapping"
    bad = _finite_numbers(f, "fit")
    if bad is not None:
        return bad
    import json

    from expressim.calibration.assumptions import load_register

    expected = register if register is not None else load_register()
    if json.dumps(f.register, sort_keys=True, default=str) != json.dumps(expected, sort_keys=True, default=str):
        return "register: not the assumption register of this code (calibration/data/assumptions.yaml)"
    if any(not v > 0 for v in f.populations.values()):
        return "populations: expected positive numbers"
    return None


def _load(path: Path, register: Mapping[str, Mapping[str, object]] | None = None) -> Fitted | None:
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
            fitted = artefact.loads(fh.read())
        if check_fit(fitted, register) is not None:
            return None
        os.utime(fd)  # recently used: kept longest by the pruning
        return fitted
    except Exception:  # noqa: BLE001 - a stale, truncated, foreign or damaged entry is just refitted
        return None
    finally:
        os.close(fd)


def prune(folder: Path, *, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> list[Path]:
    """Remove the least recently used entries beyond ``max_entries`` or ``max_bytes``; returns those removed.

    Only this user's regular files named like an entry (:data:`ENTRY_NAME`) count and are removed;
    anything else in the folder is left alone.
    """
    entries = []
    try:
        for p in folder.iterdir():
            if ENTRY_NAME.fullmatch(p.name):
                st = os.lstat(p)
                if _private(st, folder=False):
                    entries.append((st.st_mtime, st.st_size, p))
    except OSError:
        return []
    entries.sort(reverse=True)  # newest first
    removed, total = [], 0
    for i, (_, size, p) in enumerate(entries):
        total += size
        if i >= max_entries or total > max_bytes:
            try:
                p.unlink()
                removed.append(p)
            except OSError:
                pass
    return removed


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
        prune(path.parent)
    except OSError:
        pass
    finally:  # an interrupted or failed write leaves no stray file (the cache is rebuilt next time)
        tmp.unlink(missing_ok=True)


def cache_key(obs: ObservationSet, pack: RegionPack | None = None) -> str:
    """The entry key of a fit of ``obs``: the observations it reads (after the cut), the region pack's levels
    and register entries (default: the default pack's), this code and libraries.

    Two loads that keep the same observations (two as-of dates between releases, the same files
    named two ways) share one key; the file list and ``--until`` themselves are not part of it.
    """
    h = hashlib.sha256()
    for part in (obs.observations, obs.conflicts, obs.scope_breaks):
        h.update(repr(part).encode("utf-8", "surrogatepass"))
        h.update(b"|")
    import json

    pk = pack if pack is not None else _default_pack()
    h.update(repr(pk.levels()).encode("utf-8", "surrogatepass"))
    h.update(json.dumps(pk.register, sort_keys=True, default=str).encode("utf-8", "surrogatepass"))
    h.update(_code_hash().encode())
    return h.hexdigest()[:24]


def _default_pack() -> RegionPack:
    from expressim.model.spec.regions import default_pack, load_pack

    return load_pack(default_pack())


def fitted_for(obs: ObservationSet, *, pack: RegionPack | None = None, use_cache: bool = True) -> Fitted:
    """Calibrate the hierarchy of a region pack (default: the default pack), reusing a cached fit of the
    same observations, pack, code and libraries.

    A cached fit made from another load of the same observations is given this load's
    ``data_hash`` and ``until`` (the only fields that name the load rather than the fit).
    """
    from expressim.calibration.fit import fit_all

    pk = pack if pack is not None else _default_pack()
    register = pk.assumption_register()
    path = cache_dir() / f"{cache_key(obs, pk)}.npz"
    if use_cache:
        cached = _load(path, register)
        if cached is not None:
            return dataclasses.replace(cached, data_hash=obs.data_hash, until=obs.until)
    fitted = fit_all(obs, register, levels=pk.levels())
    if use_cache:
        _store(path, fitted)
    return fitted
