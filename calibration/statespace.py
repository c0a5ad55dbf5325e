"""The hierarchy as one linear Gaussian state-space model in logs, at annual frequency.

States (all natural logs, one value per calendar year ``t``):

====  =====================================================================================
a     national parcels collected (快递业务量), on the latest (chain-linked) basis
g     national volume growth from ``t`` to ``t+1``; AR(1) toward a long-run mean ``mu``
d     scope-break offset: an observation on the basis before the break sees ``a + d``
dr    the same for revenue (used only when the data show a revenue break)
r     national revenue per parcel [元/件]; ``rd`` its drift, damped toward zero at the rate ``φ``
s     the province's share of the national volume; ``sd`` its drift
sr    the province's share of the national revenue; ``srd`` its drift
c     the prefecture's collected per head / the province's collected per head; ``cd`` its drift
v     the prefecture's delivered per head / national delivered per head; ``vd`` its drift
p     the prefecture's revenue per parcel / national revenue per parcel
====  =====================================================================================

Transition (``η`` independent normal shocks)::

    a' = a + (1-φ) μ + φ g + η_a + η_g        g' = (1-φ) μ + φ g + η_g
    r' = r + φ rd + η_r     rd' = φ rd + η_rd      (corr(η_r, η_g) = ρ)
    s' = s + sd + η_s       sd' = sd          sr' = sr + srd + η_s     srd' = srd
    c' = c + cd + η_c - (1-λ) η_s             v'  = v + vd + η_v       vd'  = vd
    p' = p + η_p            d' = d            dr' = dr

``μ, φ, τ, ω, σ_r, σ_rd, σ_s, ρ`` are estimated (``σ_a = τ√ω``, ``σ_g = τ√(1-ω)``) (maximum a posteriori with the weak priors of
the assumption register); the prefecture's shock scales are register assumptions (no series of the
prefecture exists to estimate them).  Which geography plays each level is data (:class:`calibration.levels.Levels`).  Observation equations are built in :mod:`calibration.slots`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

STATES: tuple[str, ...] = ("a", "g", "d", "dr", "r", "rd", "s", "sd", "sr", "srd", "c", "cd", "v", "vd", "p")
IX = {n: i for i, n in enumerate(STATES)}
M = len(STATES)
#: shocks and the state each one enters (η_g also enters a)
SHOCKS: tuple[str, ...] = ("a", "g", "r", "rd", "s", "sr", "c", "v", "p")
K = len(SHOCKS)
#: estimated parameters (constrained values)
#: estimated parameters (constrained values); the national shocks are parametrised by their total
#: one-year SD ``tau`` and the level shock's share of its variance ``omega`` (σ_a = τ√ω,
#: σ_g = τ√(1-ω)): the total is well determined by annual data, the split is not, and drawing
#: the two separately would inflate the parameter draws
PARAMS: tuple[str, ...] = ("mu", "phi", "tau", "omega", "sigma_r", "sigma_rd", "sigma_s", "rho_gr")
PHI_MAX = 0.98
#: which baseline factor each state / shock belongs to (engine sensitivity groups)
FACTOR_OF_STATE = {"a": "national_volume_u", "g": "national_volume_u", "d": "national_volume_u",
                   "dr": "revenue_per_parcel", "r": "revenue_per_parcel", "rd": "revenue_per_parcel",
                   "s": "province_share_u", "sd": "province_share_u", "sr": "province_share_u",
                   "srd": "province_share_u", "c": "local_collected_intensity", "cd": "local_collected_intensity",
                   "v": "local_delivered_relative", "vd": "local_delivered_relative", "p": "revenue_per_parcel"}


@dataclass(frozen=True)
class Priors:
    """Weak priors of the estimated parameters and fixed local shock scales (from the register).

    Attributes
    ----------
    mu : (float, float)
        Mean and SD of the long-run national growth rate [log per year].
    phi_logit : (float, float)
        Mean and SD of ``logit(φ / PHI_MAX)``.
    log_sigma : (float, float)
        Mean and SD of the log of each estimated shock SD.
    omega_logit : (float, float)
        Mean and SD of ``logit(ω)``, the level shock's share of the national shock variance.
    rho_atanh : (float, float)
        Mean and SD of ``atanh`` of the correlation of the revenue-per-parcel and growth shocks.
    local_sigma : dict
        Fixed shock SDs of ``c``, ``v``, ``p`` [log per year], the passthrough λ and the revenue drift damping.
    """

    mu: tuple[float, float] = (0.05, 0.05)
    phi_logit: tuple[float, float] = (1.0, 1.0)
    log_sigma: tuple[float, float] = (float(np.log(0.03)), 1.0)
    rho_atanh: tuple[float, float] = (0.0, 0.5)
    omega_logit: tuple[float, float] = (-1.0, 1.5)
    local_sigma: Mapping[str, float] | None = None

    def log_density(self, theta: np.ndarray) -> Any:
        """Log prior density of unconstrained parameters (complex-step safe)."""
        mu_m, mu_s = self.mu
        ph_m, ph_s = self.phi_logit
        ls_m, ls_s = self.log_sigma
        out = -0.5 * ((theta[0] - mu_m) / mu_s) ** 2 - 0.5 * ((theta[1] - ph_m) / ph_s) ** 2
        for j in (2, 4, 5, 6):
            out = out - 0.5 * ((theta[j] - ls_m) / ls_s) ** 2
        out = out - 0.5 * ((theta[3] - self.omega_logit[0]) / self.omega_logit[1]) ** 2
        return out - 0.5 * ((theta[7] - self.rho_atanh[0]) / self.rho_atanh[1]) ** 2


def constrain(theta: np.ndarray) -> np.ndarray:
    """Unconstrained -> constrained parameters (``φ`` in (0, PHI_MAX), SDs positive); works row-wise."""
    th = np.asarray(theta)
    out = np.empty_like(th)
    out[..., 0] = th[..., 0]
    out[..., 1] = PHI_MAX / (1.0 + np.exp(-th[..., 1]))
    out[..., 2] = np.exp(th[..., 2])
    out[..., 3] = 1.0 / (1.0 + np.exp(-th[..., 3]))
    out[..., 4:7] = np.exp(th[..., 4:7])
    out[..., 7] = np.tanh(th[..., 7])
    return out


def unconstrain(params: np.ndarray) -> np.ndarray:
    """Inverse of :func:`constrain`."""
    p = np.asarray(params, dtype=float)
    out = np.empty_like(p)
    out[..., 0] = p[..., 0]
    x = p[..., 1] / PHI_MAX
    out[..., 1] = np.log(x / (1 - x))
    out[..., 2] = np.log(p[..., 2])
    out[..., 3] = np.log(p[..., 3] / (1 - p[..., 3]))
    out[..., 4:7] = np.log(p[..., 4:7])
    out[..., 7] = np.arctanh(p[..., 7])
    return out


def system(params: np.ndarray, local_sigma: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transition matrix, state intercept and shock loading × SD for constrained ``params``.

    Parameters
    ----------
    params : ndarray, shape (..., len(PARAMS))
        Constrained parameters (a leading batch axis is allowed).
    local_sigma : mapping
        Fixed SDs of the ``c``, ``v``, ``p`` shocks [log per year], ``passthrough``, the
        share λ of a shock to the province's share that reaches the prefecture's collected volume, and
        ``revenue_drift_damping``, the revenue-per-parcel drift's persistence as a multiple of
        ``φ`` (default 1).

    Returns
    -------
    F : ndarray (..., M, M)
    c : ndarray (..., M)
    L : ndarray (..., M, K)
        State change = ``L @ z`` for standard-normal shocks ``z`` (covariance ``L Lᵀ``).
    """
    p = np.asarray(params)
    batch = p.shape[:-1]
    dtype = np.result_type(p.dtype, float)
    F = np.zeros((*batch, M, M), dtype=dtype)
    F[..., range(M), range(M)] = 1.0
    mu, phi = p[..., 0], p[..., 1]
    F[..., IX["a"], IX["g"]] = phi
    F[..., IX["g"], IX["g"]] = phi
    for lvl, drift in (("s", "sd"), ("sr", "srd"), ("c", "cd"), ("v", "vd")):
        F[..., IX[lvl], IX[drift]] = 1.0
    # the revenue-per-parcel drift fades toward zero at the pace national growth reverts (register
    # revenue_per_parcel_drift_damping): a price fall of 5-10% a year cannot go on for ever, and
    # the two rates belong to one maturing market (no extra parameter for ~15 annual points)
    damp = float(local_sigma.get("revenue_drift_damping", 1.0))
    F[..., IX["r"], IX["rd"]] = damp * phi
    F[..., IX["rd"], IX["rd"]] = damp * phi
    c = np.zeros((*batch, M), dtype=dtype)
    c[..., IX["a"]] = (1 - phi) * mu
    c[..., IX["g"]] = (1 - phi) * mu
    L = np.zeros((*batch, M, K), dtype=dtype)
    sig_a, sig_g = p[..., 2] * np.sqrt(p[..., 3]), p[..., 2] * np.sqrt(1.0 - p[..., 3])
    sd = {"a": sig_a, "g": sig_g, "r": p[..., 4], "rd": p[..., 5], "s": p[..., 6], "sr": p[..., 6]}
    for k, name in enumerate(SHOCKS):
        scale = sd[name] if name in sd else float(local_sigma[name])
        L[..., IX[name], k] = scale
    L[..., IX["a"], SHOCKS.index("g")] = sig_g
    # revenue per parcel shares a correlation ρ with the growth shock (price wars: volume up, price down)
    L[..., IX["r"], SHOCKS.index("g")] = p[..., 7] * p[..., 4]
    L[..., IX["r"], SHOCKS.index("r")] = np.sqrt(1.0 - p[..., 7] ** 2) * p[..., 4]
    # only a share λ of a shock to the province's share reaches the prefecture: c takes -(1 - λ) of it
    L[..., IX["c"], SHOCKS.index("s")] = -(1.0 - float(local_sigma.get("passthrough", 1.0))) * p[..., 6]
    return F, c, L


def make_model(endog: np.ndarray, design: np.ndarray, obs_intercept: np.ndarray, obs_var: np.ndarray,
               init_mean: np.ndarray, init_cov: np.ndarray, priors: Priors) -> Any:
    """A statsmodels ``MLEModel`` of the hierarchy (statsmodels imported lazily).

    Parameters
    ----------
    endog : ndarray (nobs, k_endog)
        Log observations, NaN where nothing was published.
    design : ndarray (k_endog, M, nobs)
    obs_intercept : ndarray (k_endog, nobs)
    obs_var : ndarray (k_endog, nobs)
        Measurement variances (diagonal observation covariance).
    init_mean, init_cov : ndarray
        Known initial state distribution (first year).
    """
    from statsmodels.tsa.statespace.mlemodel import MLEModel

    class HierarchyModel(MLEModel):  # type: ignore[misc]
        """Annual hierarchy model (the log prior is added by the caller: MAP estimation)."""

        def __init__(self) -> None:
            super().__init__(endog, k_states=M, k_posdef=K, initialization="known",
                             initial_state=init_mean, initial_state_cov=init_cov)
            self["design"] = design
            self["obs_intercept"] = obs_intercept
            k, n = obs_var.shape
            cov = np.zeros((k, k, n))
            cov[range(k), range(k), :] = obs_var
            self["obs_cov"] = cov
            self.priors = priors

        @property
        def param_names(self) -> list[str]:
            return list(PARAMS)

        @property
        def start_params(self) -> np.ndarray:
            return np.array([0.08, 0.8, 0.09, 0.2, 0.03, 0.01, 0.05, 0.0])

        def transform_params(self, unconstrained: np.ndarray) -> np.ndarray:
            return constrain(unconstrained)

        def untransform_params(self, constrained: np.ndarray) -> np.ndarray:
            return unconstrain(constrained)

        def update(self, params: np.ndarray, **kwargs: Any) -> np.ndarray:
            params = super().update(params, **kwargs)
            F, c, L = system(params, self.priors.local_sigma or {})
            sd = _shock_sd(L)
            self["transition"] = F
            self["state_intercept"] = c
            self["selection"] = L / np.where(sd > 0, sd, 1.0)
            self["state_cov"] = np.diag(sd**2)
            return params

    return HierarchyModel()


def _shock_sd(L: np.ndarray) -> np.ndarray:
    """The SD of each shock (its loading on its own state)."""
    return np.array([L[IX[s], k] for k, s in enumerate(SHOCKS)])
