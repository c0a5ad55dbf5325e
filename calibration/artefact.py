"""A fitted calibration as the bytes of one ``.npz`` of arrays and JSON text (no pickle: loading runs no code).

The arrays are the estimate, the parameter draws and the smoothed states per draw; the JSON
holds the rest (seasonal profile, constants and levels, published windows, register, notes, the
what-moved table).  :func:`dumps` then :func:`loads` gives back an equal :class:`Fitted`; the store
(``expressim.model.store.fit_cache``) writes and reads the file.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import numpy as np

from expressim.calibration.fit import Fitted, Published
from expressim.calibration.hierarchy import HierarchyFit
from expressim.calibration.levels import Levels
from expressim.calibration.monthly import NowcastPlan
from expressim.calibration.seasonality import SeasonalProfile
from expressim.calibration.slots import Constants

FORMAT = 3
_ARRAYS = ("params", "theta_cov", "param_draws", "state_mean", "state_chol")


def dumps(f: Fitted) -> bytes:
    """The calibration as ``.npz`` bytes."""
    h = f.hier
    meta: dict[str, Any] = {
        "format": FORMAT, "data_hash": f.data_hash, "until": f.until,
        "profile": {"weights": [float(x) for x in f.profile.weights], "resid_sd": f.profile.resid_sd,
                    "n_points": f.profile.n_points, "month_sd": f.profile.month_sd},
        "hier": {"first_year": h.first_year, "last_year": h.last_year, "local_sigma": h.local_sigma,
                 "loglike": h.loglike, "n_observations": h.n_observations},
        "const": {"collected": f.const.collected, "delivered": f.const.delivered},
        "levels": f.const.levels.to_dict(),
        "floors": f.floors,
        "published": [[g, i, list(w), p.log_value, p.var_round, p.var_dev] for (g, i, w), p in f.published.items()],
        "register": f.register, "populations": f.populations, "notes": list(f.notes), "moved": list(f.moved),
        "nowcasts": [p.to_dict() for p in f.nowcasts],
    }
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(meta, ensure_ascii=False)), **{k: getattr(h, k) for k in _ARRAYS})
    return buf.getvalue()


def loads(data: bytes) -> Fitted:
    """Inverse of :func:`dumps`.

    Raises
    ------
    ValueError
        For another format version or a malformed file (empty, truncated, not an ``.npz``, keys or
        values missing or of the wrong kind).
    """
    try:
        return _loads(data)
    except ValueError:
        raise
    except (OSError, EOFError, KeyError, TypeError, IndexError, AttributeError, zipfile.BadZipFile) as exc:
        raise ValueError(f"not a calibration artefact ({type(exc).__name__}: {exc})") from None


def _loads(data: bytes) -> Fitted:
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        if meta.get("format") != FORMAT:
            raise ValueError(f"calibration artefact format {meta.get('format')}, expected {FORMAT}")
        arr = {k: np.asarray(z[k]) for k in _ARRAYS}
    hm = meta["hier"]
    hier = HierarchyFit(hm["first_year"], hm["last_year"], arr["params"], arr["theta_cov"], arr["param_draws"],
                        arr["state_mean"], arr["state_chol"], dict(hm["local_sigma"]), float(hm["loglike"]),
                        int(hm["n_observations"]))
    pr = meta["profile"]
    profile = SeasonalProfile(np.array(pr["weights"]), float(pr["resid_sd"]), int(pr["n_points"]), float(pr["month_sd"]))
    published = {(g, i, (int(w[0]), int(w[1]), int(w[2]), bool(w[3]), str(w[4]))): Published(float(v), float(r), float(d))
                 for g, i, w, v, r, d in meta["published"]}
    const = Constants(float(meta["const"]["collected"]), float(meta["const"]["delivered"]), Levels.from_dict(meta["levels"]))
    return Fitted(meta["data_hash"], meta["until"], profile, hier, const, dict(meta["floors"]), published,
                  meta["register"], meta["populations"], tuple(meta["notes"]), tuple(meta["moved"]),
                  tuple(NowcastPlan.from_dict(d) for d in meta["nowcasts"]))
