"""Coherent simulated paths of the hierarchy from a block of standard normals per replication.

One replication uses one row ``z`` of a block (n, k):

* ``z[0]`` picks a parameter draw (``floor(Φ(z0) · K)``): parameter uncertainty;
* ``z[1 : 1 + M]`` draws the state of the last data year from its smoothed distribution
  under that parameter draw (and, for a year inside the data, that year's smoothed
  marginal with the same normals);
* ``z[1 + M + K·(h-1) : 1 + M + K·h]`` are the ``K`` transition shocks of the ``h``-th year
  after the data: fresh shocks every year, so growth rates are not locked across years.

Everything is vectorised over replications; the engine draws the block up front on its own
named stream, so paths are reproducible and independent of chunking and workers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from expressim.calibration.hierarchy import HierarchyFit
from expressim.calibration.slots import Constants, loading
from expressim.calibration.statespace import FACTOR_OF_STATE, IX, SHOCKS, K, M, system

#: level state -> its drift / growth state (for the within-year tilt of a window)
DRIFT_OF = {"a": "g", "r": "rd", "s": "sd", "sr": "srd", "c": "cd", "v": "vd"}


def horizon(fit: HierarchyFit, years: Sequence[int]) -> int:
    """Years simulated beyond the data for ``years``."""
    return max(0, max(int(y) for y in years) - fit.last_year)


def block_size(fit: HierarchyFit, years: Sequence[int]) -> int:
    """Columns of the normal block one replication needs for ``years``."""
    return 1 + M + K * horizon(fit, years)


def block_groups(fit: HierarchyFit, years: Sequence[int]) -> tuple[str, ...]:
    """The baseline factor each column of the block belongs to (for sensitivity groups).

    The parameter-draw column is grouped with the national volume (its growth parameters
    dominate); state columns by the state they start; shock columns by the state they hit.
    """
    out = ["national_volume_u"] + [FACTOR_OF_STATE[s] for s in
                                   ("a", "g", "d", "dr", "r", "rd", "s", "sd", "sr", "srd", "c", "cd", "v", "vd", "p")]
    out += [FACTOR_OF_STATE[s] for _ in range(horizon(fit, years)) for s in SHOCKS]
    return tuple(out)


def simulate_states(fit: HierarchyFit, years: Sequence[int], z: np.ndarray) -> np.ndarray:
    """States (n, len(years), M) for a block ``z`` (n, :func:`block_size`).

    Raises
    ------
    ValueError
        If a year precedes the first state year or ``z`` is too narrow.
    """
    z = np.atleast_2d(np.asarray(z, dtype=float))
    need = block_size(fit, years)
    if z.shape[1] < need:
        raise ValueError(f"baseline block has {z.shape[1]} columns; expected {need}")
    n_draw = fit.param_draws.shape[0]
    k = np.minimum((special.ndtr(z[:, 0]) * n_draw).astype(int), n_draw - 1)
    z0 = z[:, 1:1 + M]
    out = np.empty((z.shape[0], len(years), M))
    last = fit.last_year - fit.first_year
    x_end = fit.state_mean[k, last] + np.einsum("nij,nj->ni", fit.state_chol[k, last], z0)
    H = horizon(fit, years)
    fut: list[np.ndarray] = []
    if H:
        F, c, L = system(fit.param_draws, fit.local_sigma)
        x = x_end
        for h in range(H):
            e = z[:, 1 + M + K * h: 1 + M + K * (h + 1)]
            x = np.einsum("nij,nj->ni", F[k], x) + c[k] + np.einsum("nij,nj->ni", L[k], e)
            fut.append(x)
    for j, y in enumerate(years):
        t = int(y) - fit.first_year
        if t < 0:
            raise ValueError(f"{y} is before the first year of data ({fit.first_year})")
        if t <= last:
            out[:, j] = fit.state_mean[k, t] + np.einsum("nij,nj->ni", fit.state_chol[k, t], z0)
        else:
            out[:, j] = fut[t - last - 1]
    return out


def log_level(states: np.ndarray, geography: str, indicator: str, const: Constants) -> np.ndarray:
    """Log annual level of a series from states (..., M); the prefecture's in+out is the exact log-sum."""
    if (geography, indicator) == (const.levels.prefecture, "express_volume_inout"):
        return np.logaddexp(log_level(states, geography, "express_volume", const),
                            log_level(states, geography, "express_volume_inbound", const))
    row, k0 = loading(geography, indicator, const)
    return np.asarray(states @ row + k0)


def log_growth(states: np.ndarray, geography: str, indicator: str, const: Constants) -> np.ndarray:
    """The year's log growth of a series (sum of the drifts of the levels it loads) (...,)."""
    if indicator == "express_volume_inout":
        indicator = "express_volume_inbound"
    row, _ = loading(geography, indicator, const)
    drift = np.zeros(M)
    for lvl, dr in DRIFT_OF.items():
        drift[IX[dr]] += row[IX[lvl]]
    return np.asarray(states @ drift)
