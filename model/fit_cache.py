"""A disk cache of calibrations: the same data, ``--until`` and code give the same fit.

The fit takes seconds (the state-space estimate and its parameter draws); forecasts and runs reuse it.
An entry is an ``.npz`` of arrays and JSON (:mod:`calibration.artefact`): loading it runs no code.
The cache key hashes the observation files, ``--until``, the calibration package's source and
the assumption register, so any change refits.  A stale or truncated entry is simply refitted.
Location: ``$EXPRESSIM_CACHE``, else ``$XDG_CACHE_HOME/fitted``, else a per-user folder in the
system's temporary directory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any


def _cache_dir() -> Path:
    base = os.environ.get("EXPRESSIM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(tempfile.gettempdir(), f"expressim-{os.getuid()}"), "fitted")
    return Path(base)


def _code_hash() -> str:
    from expressim import calibration

    h = hashlib.sha256()
    root = Path(calibration.__file__).parent
    for f in sorted(root.glob("*.py")) + [root / "data" / "assumptions.yaml"]:
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def fitted_for(obs: Any, *, use_cache: bool = True) -> Any:
    """Calibrate, reusing a cached fit of the same data, ``--until`` and code."""
    from expressim.calibration.fit import fit_all

    key = hashlib.sha256(f"{obs.data_hash}|{obs.until}|{_code_hash()}".encode()).hexdigest()[:24]
    from expressim.calibration import artefact

    path = _cache_dir() / f"{key}.npz"
    if use_cache and path.is_file():
        try:
            return artefact.load(path)
        except Exception:  # noqa: BLE001 - a stale or truncated cache is just refitted
            pass
    fitted = fit_all(obs)
    if use_cache:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            artefact.save(fitted, tmp)
            tmp.replace(path)
        except OSError:
            pass
        finally:  # an interrupted or failed write leaves no stray file (the cache is rebuilt next time)
            tmp.unlink(missing_ok=True)
    return fitted
