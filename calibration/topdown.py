"""Top-down models for geographies without a full series of their own.

*Share model* (Guizhou): every published child window (a Jan–Apr or Jan–Oct
release, a quarter, and the year-earlier windows implied by their growth rates)
is divided by the parent's value of the same window (the parent's annual level
times its seasonal window share); the log share is a random walk with drift
observed with noise (:class:`ShareFit`), so the share is pinned down near
published windows and uncertain away from them.

*Intensity prior* (Bijie): a lognormal prior on a ratio (collected per person
relative to Guizhou, delivered per person relative to the nation) from the
assumption register, updated by any local observation the analyst supplies with a
conjugate normal update on the log scale:

.. math::  \\mu_1 = \\frac{\\mu_0/\\sigma_0^2 + \\sum_i y_i/v_i}{1/\\sigma_0^2 + \\sum_i 1/v_i}, \\qquad
           \\sigma_1^2 = \\left(1/\\sigma_0^2 + \\sum_i 1/v_i\\right)^{-1}

where :math:`y_i` is the log ratio implied by observation :math:`i` and
:math:`v_i` the variance of the parent's estimate for that window plus the
observation's rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from expressim.calibration.observations import Observation


def window_mid_year(first: int, last: int) -> float:
    """Fractional-year midpoint of a month window (``2024-01..04`` -> 2024.167)."""
    return (first + last + 1) / 24.0


def _kernel(s: np.ndarray, t: np.ndarray, q: float, t0: float, tc: float) -> np.ndarray:
    """Prior covariance of the log share: level + linear drift + Brownian motion from ``t0``."""
    s, t = s[:, None], t[None, :]
    return LEVEL_SD**2 + DRIFT_SD**2 * (s - tc) * (t - tc) + q**2 * np.minimum(s - t0, t - t0)


#: weakly informative prior SDs of the share's level [log] and drift [log per year]
LEVEL_SD, DRIFT_SD = 3.0, 0.3


@dataclass(frozen=True)
class ShareFit:
    r"""Log share of a parent as a random walk with drift, observed with noise at published windows.

    .. math::  \log s(t) = x_0 + b\,(t - t_c) + q\,W(t - t_0) + \varepsilon_i

    with weakly informative Gaussian priors on :math:`x_0` and :math:`b`, a
    Brownian motion :math:`W` of scale :math:`q` [log / sqrt(year)] estimated by
    maximum likelihood, and observation noise :math:`\varepsilon_i \sim N(0, r^2)`
    (the seasonal-share residual plus rounding).  The posterior is a Gaussian
    process: tight near published windows, widening with distance from them.

    Attributes
    ----------
    times, values : tuple of float
        Window midpoints [year] and observed log shares.
    q, r : float
        Random-walk scale and observation noise SD [log units].
    """

    times: tuple[float, ...]
    values: tuple[float, ...]
    q: float
    r: float
    releases: int

    def _parts(self) -> tuple[np.ndarray, np.ndarray, float, float, float]:
        t = np.array(self.times)
        y = np.array(self.values)
        t0, tc = float(t.min()) - 1.0, float(t.mean())
        k = _kernel(t, t, self.q, t0, tc) + self.r**2 * np.eye(t.size)
        return t, np.linalg.solve(k, y - y.mean()), float(y.mean()), t0, tc

    def mean_sd(self, t_new: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and SD of the log share at ``t_new`` [year]."""
        tn = np.atleast_1d(np.asarray(t_new, dtype=float))
        t, alpha, ybar, t0, tc = self._parts()
        ks = _kernel(tn, t, self.q, t0, tc)
        k = _kernel(t, t, self.q, t0, tc) + self.r**2 * np.eye(t.size)
        mean = ybar + ks @ alpha
        var = np.diag(_kernel(tn, tn, self.q, t0, tc)) - np.einsum("ij,ji->i", ks, np.linalg.solve(k, ks.T))
        return mean.reshape(np.shape(t_new)), np.sqrt(np.maximum(var, 1e-12)).reshape(np.shape(t_new))

    def scale(self, t: np.ndarray | float) -> np.ndarray:
        """Posterior SD of the log share at ``t`` [log units]."""
        return self.mean_sd(t)[1]

    def log_share(self, t: np.ndarray | float, u: np.ndarray | float = 0.5) -> np.ndarray:
        """Log share at times ``t`` for posterior quantile(s) ``u``; broadcasts ``u[:, None]`` x ``t``."""
        m, sd = self.mean_sd(t)
        return np.asarray(m + stats.norm.ppf(np.asarray(u, dtype=float)) * sd)

    def to_dict(self) -> dict[str, object]:
        last = max(self.times)
        m, sd = self.mean_sd(np.array([last, last + 1.0]))
        return {"q_log_per_sqrt_year": self.q, "r_log": self.r, "n_points": len(self.times),
                "releases": self.releases, "drift_pct_last_year": float(100 * (np.exp(m[1] - m[0]) - 1)),
                "share_at_last_point": float(np.exp(m[0])), "sd_log_at_last_point": float(sd[0]),
                "sd_log_one_year_on": float(sd[1]),
                "points": [[t, v] for t, v in zip(self.times, self.values, strict=True)]}


def fit_share(child: Sequence[Observation], parent_window: Callable[[Observation], float | None],
              obs_sd: float = 0.04) -> ShareFit:
    """Fit a :class:`ShareFit` from child windows and a function giving the parent's value of a window.

    Parameters
    ----------
    child : sequence of Observation
        Child observations (flow windows within one year).
    parent_window : callable
        Parent's central estimate for the same window, or None if unknown.
    obs_sd : float
        Observation noise SD [log units]: the seasonal window-share residual and
        rounding; the random-walk scale ``q`` is estimated by maximum likelihood.

    Raises
    ------
    ValueError
        With fewer than three usable windows.
    """
    pts: list[tuple[float, float]] = []
    releases = 0
    for o in child:
        if not o.period.is_flow_window or o.period.first // 12 != o.period.last // 12:
            continue
        pv = parent_window(o)
        if pv is None or pv <= 0:
            continue
        pts.append((window_mid_year(o.period.first, o.period.last), float(np.log(o.value / pv))))
        releases += not o.derived
    if len(pts) < 3:
        raise ValueError(f"share model needs at least 3 windows with a parent value, got {len(pts)}")
    t = np.array([p[0] for p in pts])
    y = np.array([p[1] for p in pts])
    t0, tc = float(t.min()) - 1.0, float(t.mean())

    def nll(log_q: float) -> float:
        k = _kernel(t, t, float(np.exp(log_q)), t0, tc) + obs_sd**2 * np.eye(t.size)
        _, logdet = np.linalg.slogdet(k)
        yc = y - y.mean()
        return float(0.5 * yc @ np.linalg.solve(k, yc) + 0.5 * logdet)

    grid = np.log(np.linspace(0.01, 0.6, 60))
    best = float(grid[int(np.argmin([nll(g) for g in grid]))])
    return ShareFit(tuple(map(float, t)), tuple(map(float, y)), float(np.exp(best)), obs_sd, releases)


@dataclass(frozen=True)
class LogNormalBelief:
    """A lognormal belief about a positive ratio: ``log x ~ N(mu, sigma²)``.

    Attributes
    ----------
    mu, sigma : float
        Mean and SD of the log [log units].
    n_updates : int
        Local observations folded in.
    """

    mu: float
    sigma: float
    n_updates: int = 0

    @classmethod
    def from_median(cls, median: float, sigma: float) -> LogNormalBelief:
        return cls(float(np.log(median)), float(sigma))

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """Quantiles of the ratio."""
        return np.asarray(np.exp(self.mu + self.sigma * stats.norm.ppf(np.asarray(u, dtype=float))))

    def update(self, log_ratios: Sequence[float], variances: Sequence[float]) -> LogNormalBelief:
        """Posterior after observing log ratios with the given variances (conjugate normal)."""
        if not log_ratios:
            return self
        prec = 1 / self.sigma**2 + sum(1 / v for v in variances)
        mu = (self.mu / self.sigma**2 + sum(y / v for y, v in zip(log_ratios, variances, strict=True))) / prec
        return LogNormalBelief(float(mu), float(np.sqrt(1 / prec)), self.n_updates + len(log_ratios))

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """Central interval of the ratio."""
        lo, hi = self.ppf(np.array([(1 - level) / 2, (1 + level) / 2]))
        return float(lo), float(hi)

    def to_dict(self) -> dict[str, object]:
        lo, hi = self.interval()
        return {"median": float(np.exp(self.mu)), "sigma_log": self.sigma, "p05": lo, "p95": hi,
                "local_observations": self.n_updates}
