"""Monthly seasonal profile: turning annual paths into any window, and windows into years.

The national monthly path is modelled as

.. math::  v_{y,m} = A_y \\, s_m(r_y), \\qquad
           s_m(r) = \\frac{w_m (1+r)^{(m-6.5)/12}}{\\sum_k w_k (1+r)^{(k-6.5)/12}}

with :math:`A_y` the annual total, :math:`r_y` the year's growth rate (a within-year
tilt: later months are larger in a growing year) and :math:`w` a fixed profile
(Spring-Festival trough, November peak).  :math:`w = \\mathrm{softmax}(\\theta)` is
estimated by penalised least squares on the log of every published window / annual
ratio (months, quarters, Jan–N cumulative), with a circular second-difference
penalty keeping the profile smooth where the data are silent.  The residual
standard deviation is the window-share uncertainty [log units].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from expressim.calibration.observations import ObservationSet
from expressim.calibration.periods import Period

MID = 6.5


def tilt(growth: np.ndarray | float) -> np.ndarray:
    """Within-year trend factors ``(1+r)^((m-6.5)/12)`` for months 1..12, shape (..., 12)."""
    r = np.asarray(growth, dtype=float)[..., None]
    return (1.0 + r) ** ((np.arange(1, 13) - MID) / 12.0)


@dataclass(frozen=True)
class SeasonalProfile:
    """Fitted monthly profile.

    Attributes
    ----------
    weights : ndarray, shape (12,)
        :math:`w_m`, summing to 1 (share of a no-growth year in each month).
    resid_sd : float
        Residual SD of log(window / annual) [log units].
    n_points : int
        Number of (window, annual) pairs used.
    month_sd : float
        SD of one month's log deviation from its profile share [log units], from the residuals
        scaled by the share of the year each window covers (a window of share ``s`` has
        ``SD = month_sd √((1 - s) / (12 s))``; a full year has none).
    """

    weights: np.ndarray
    resid_sd: float
    n_points: int
    month_sd: float = 0.1

    def shares(self, growth: np.ndarray | float) -> np.ndarray:
        """Monthly shares of the annual total for growth rate(s) ``growth``, shape (..., 12)."""
        s = self.weights * tilt(growth)
        return s / s.sum(axis=-1, keepdims=True)

    def window_share(self, period: Period, growth: np.ndarray | float) -> np.ndarray:
        """Share of the annual total falling in a window inside one calendar year."""
        if period.first // 12 != period.last // 12:
            raise ValueError(f"window {period} spans two years")
        m0, m1 = period.first % 12, period.last % 12
        return self.shares(growth)[..., m0:m1 + 1].sum(axis=-1)

    def to_dict(self) -> dict[str, object]:
        return {"weights": [float(x) for x in self.weights], "resid_sd": self.resid_sd, "n_points": self.n_points,
                "month_sd": self.month_sd}


def fit_profile(pairs: list[tuple[Period, float, float]], smooth: float = 2.0) -> SeasonalProfile:
    """Estimate the profile from ``(window, window/annual ratio, annual growth)`` triples.

    Parameters
    ----------
    pairs : list of (Period, float, float)
        Window, observed share of the year's total, and that year's growth rate
        [fraction].
    smooth : float
        Weight of the circular second-difference penalty on :math:`\\theta`.
    """
    if not pairs:
        return SeasonalProfile(np.full(12, 1 / 12), 0.1, 0)
    masks = np.zeros((len(pairs), 12))
    for i, (p, _, _) in enumerate(pairs):
        masks[i, p.first % 12: p.last % 12 + 1] = 1.0
    target = np.log([r for _, r, _ in pairs])
    tilts = tilt(np.array([g for _, _, g in pairs]))

    def loss(theta: np.ndarray) -> float:
        w = np.exp(theta - theta.max())
        s = w * tilts
        s = s / s.sum(axis=1, keepdims=True)
        pred = np.log((s * masks).sum(axis=1))
        d2 = np.roll(theta, -1) - 2 * theta + np.roll(theta, 1)
        return float(np.sum((pred - target) ** 2) + smooth * np.sum(d2**2) / 12 + 1e-4 * np.sum(theta**2))

    res = minimize(loss, np.zeros(12), method="BFGS")
    w = np.exp(res.x - res.x.max())
    w /= w.sum()
    prof = SeasonalProfile(w, 0.0, len(pairs))
    resid = np.array([np.log(r) - np.log(prof.window_share(p, g)) for p, r, g in pairs])
    dof = max(len(pairs) - 4, 1)
    shares = np.array([prof.window_share(p, g) for p, _, g in pairs])
    scale = (1.0 - np.minimum(shares, 0.99)) / (12.0 * shares)
    month_sd = float(np.sqrt(np.sum(resid**2 / scale) / dof))
    return SeasonalProfile(w, float(np.sqrt(np.sum(resid**2) / dof)), len(pairs), month_sd)


def profile_from_observations(obs: ObservationSet, annual: Mapping[int, float], growth: Mapping[int, float],
                              geography: str = "China", indicator: str = "express_volume") -> SeasonalProfile:
    """Fit the profile on a series' published sub-annual windows against its own annual totals.

    Only published (not derived) windows are used, each against the published
    total of the same year, so a scope break never mixes bases.  ``growth`` maps a
    year to its comparable-basis growth rate [fraction] for the within-year tilt.
    """
    pairs: list[tuple[Period, float, float]] = []
    for o in obs.select(geography, indicator, derived=False):
        p = o.period
        if p.kind in ("month", "months", "quarter", "half") and p.year in annual:
            pairs.append((p, o.value / annual[p.year], growth.get(p.year, 0.0)))
    return fit_profile(pairs)
