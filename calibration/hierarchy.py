"""Estimation of the hierarchy state-space model and draws of its parameters and states.

``fit_hierarchy`` maximises the log posterior (Kalman-filter likelihood of every usable
observation + the register's weak priors) over the unconstrained parameters, takes the
inverse Hessian there as the asymptotic covariance, draws ``n_param`` parameter vectors from
that normal, and for each runs the Kalman smoother: the per-draw smoothed state mean and
covariance of every year are what :mod:`calibration.paths` simulates from.  An in+out figure of the
prefecture is linearised at the fit without it and the model refitted (one extended-Kalman pass).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from expressim.calibration.observations import ObservationSet
from expressim.calibration.seasonality import SeasonalProfile
from expressim.calibration.slots import Constants, SlotData, build
from expressim.calibration.statespace import IX, PARAMS, M, Priors, constrain, make_model, unconstrain

N_PARAM_DRAWS = 100


@dataclass(frozen=True)
class HierarchyFit:
    """Estimated parameters, their uncertainty and the smoothed states per parameter draw.

    Attributes
    ----------
    first_year, last_year : int
        Years of the state vector (last = the last year with an observation).
    params : ndarray (P,)
        Posterior mode (constrained).
    theta_cov : ndarray (P, P)
        Covariance of the unconstrained parameters (inverse Hessian of the log posterior).
    param_draws : ndarray (K, P)
        Constrained parameter draws (row 0 is the mode).
    state_mean, state_chol : ndarray (K, nT, M), (K, nT, M, M)
        Smoothed state mean and Cholesky factor of its covariance per draw and year.
    local_sigma : dict
        Fixed shock SDs of the prefecture's states (register ``local_*``).
    loglike : float
        Log likelihood at the mode.
    """

    first_year: int
    last_year: int
    params: np.ndarray
    theta_cov: np.ndarray
    param_draws: np.ndarray
    state_mean: np.ndarray
    state_chol: np.ndarray
    local_sigma: dict[str, float]
    loglike: float
    n_observations: int

    def parameters(self) -> dict[str, float]:
        """The estimated parameters at the mode by name (constrained)."""
        return {n: float(v) for n, v in zip(PARAMS, self.params, strict=True)}

    def to_dict(self) -> dict[str, object]:
        sd = np.sqrt(np.diag(self.theta_cov))
        return {"first_year": self.first_year, "last_year": self.last_year, "loglike": self.loglike,
                "observations_in_likelihood": self.n_observations,
                "parameters": self.parameters(),
                "parameters_sd_unconstrained": {n: float(v) for n, v in zip(PARAMS, sd, strict=True)},
                "local_shock_sd": self.local_sigma, "parameter_draws": int(self.param_draws.shape[0])}


def floors_from(register: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """Definition-mismatch floors by level and the subnational seasonal multiple (register)."""
    out = {lvl: float(register[f"measurement_floor_{lvl}"]["value"]) for lvl in ("national", "provincial", "local")}
    out["subnational_season"] = float(register["seasonal_month_sd_subnational_factor"]["value"])
    return out


def priors_from(register: Mapping[str, Mapping[str, Any]]) -> Priors:
    """The weak priors and fixed local shock SDs from the register."""
    lvl = float(register["local_level_shock_sd"]["value"])
    return Priors(
        mu=(float(register["national_growth_longrun"]["mean"]), float(register["national_growth_longrun"]["sd"])),
        phi_logit=(float(register["national_growth_persistence_logit"]["mean"]),
                   float(register["national_growth_persistence_logit"]["sd"])),
        log_sigma=(float(np.log(register["shock_sd_prior"]["median"])), float(register["shock_sd_prior"]["sigma"])),
        omega_logit=(float(register["national_level_shock_share_logit"]["mean"]),
                     float(register["national_level_shock_share_logit"]["sd"])),
        rho_atanh=(float(register["revenue_growth_shock_correlation_atanh"]["mean"]),
                   float(register["revenue_growth_shock_correlation_atanh"]["sd"])),
        local_sigma={"c": lvl, "v": lvl, "p": float(register["local_revenue_per_parcel_shock_sd"]["value"]),
                     "passthrough": float(register["local_province_shock_passthrough"]["value"]),
                     "revenue_drift_damping": float(register["revenue_per_parcel_drift_damping"]["value"])},
    )


def initial_state(data: SlotData, register: Mapping[str, Mapping[str, Any]],
                  break_ratio: float, nation: str) -> tuple[np.ndarray, np.ndarray]:
    """Initial state mean and covariance at ``data.first_year``.

    The national and provincial states start vague around the first observations of ``nation``;
    the prefecture's states start from the register's 2023 priors carried back to the first year along their drift
    (``x_0 = x_2023 - k·drift``, so the covariance of level and drift is exact at 2023).
    """
    mean = np.zeros(M)
    var = np.zeros(M)
    first: dict[tuple[str, str], float] = {}
    for r in data.rows:
        key = (r.obs.geography, r.obs.indicator)
        if key not in first and r.t == 0 and r.obs.period.kind == "year":
            first[key] = r.log_value
    vol = first.get((nation, "express_volume"))
    rev = first.get((nation, "express_revenue"))
    mean[IX["a"]] = vol if vol is not None else (rev - np.log(15.0) if rev is not None else 20.0)
    var[IX["a"]] = 0.5**2 if vol is not None else 2.0**2
    mean[IX["g"]], var[IX["g"]] = 0.3, 0.3**2
    var[IX["d"]] = var[IX["dr"]] = 0.15**2
    mean[IX["r"]] = rev - mean[IX["a"]] if rev is not None and vol is not None else np.log(15.0)
    var[IX["r"]], var[IX["rd"]] = 0.5**2, 0.1**2
    mean[IX["s"]] = mean[IX["sr"]] = np.log(0.015)
    var[IX["s"]] = var[IX["sr"]] = 1.0**2
    var[IX["sd"]] = var[IX["srd"]] = 0.1**2
    cov = np.diag(var)
    k = 2023 - data.first_year
    pc, pd_ = register["local_collected_intensity"], register["local_delivered_relative"]
    sc, sv = float(pc["sigma"]), float(pd_["sigma"])
    dc = float(register["local_collected_intensity_drift"]["sd"])
    dv = float(register["local_delivered_relative_drift"]["sd"])
    rho = float(register["local_intensity_correlation"]["value"])
    mc = np.log(float(pc["median"])) - k * float(register["local_collected_intensity_drift"]["mean"])
    mv = (np.log(float(pd_["median"]) / break_ratio) - k * float(register["local_delivered_relative_drift"]["mean"]))
    idx = [IX["c"], IX["cd"], IX["v"], IX["vd"]]
    mean[idx] = [mc, float(register["local_collected_intensity_drift"]["mean"]), mv,
                 float(register["local_delivered_relative_drift"]["mean"])]
    c23 = np.array([[sc**2, 0, rho * sc * sv, 0], [0, dc**2, 0, 0], [rho * sc * sv, 0, sv**2, 0], [0, 0, 0, dv**2]])
    back = np.array([[1, -k, 0, 0], [0, 1, 0, 0], [0, 0, 1, -k], [0, 0, 0, 1]], dtype=float)
    cov[np.ix_(idx, idx)] = back @ c23 @ back.T
    prel = register["local_revenue_per_parcel_relative"]
    mean[IX["p"]] = np.log(float(prel["median"]))
    var_p = float(prel["sigma"]) ** 2
    cov[IX["p"], IX["p"]] = var_p
    return mean, cov


def _log_posterior(model: Any, priors: Priors, theta: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        ll = float(model.loglike(constrain(theta)))
    return ll + float(priors.log_density(theta)) if np.isfinite(ll) else -1e12


def _maximise(model: Any, priors: Priors, start: np.ndarray) -> np.ndarray:
    from scipy.optimize import minimize

    def f(th: np.ndarray) -> float:
        return -_log_posterior(model, priors, th)

    best = minimize(f, start, method="Nelder-Mead", options={"maxiter": 600, "xatol": 1e-3, "fatol": 1e-4})
    res = minimize(f, best.x, method="BFGS", options={"gtol": 1e-4, "maxiter": 200})
    return np.asarray(res.x if res.fun <= best.fun else best.x)


def _hessian_cov(model: Any, priors: Priors, theta: np.ndarray) -> np.ndarray:
    from statsmodels.tools.numdiff import approx_hess3

    h = -approx_hess3(theta, lambda th: _log_posterior(model, priors, th), epsilon=1e-3)
    h = 0.5 * (h + h.T)
    w, v = np.linalg.eigh(h)
    w = np.maximum(w, 1.0)  # a flat direction keeps a unit-variance draw instead of an explosion
    return np.asarray((v / w) @ v.T)


def _smoothed(model: Any, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    res = model.smooth(params, return_ssm=True)
    mean = np.asarray(res.smoothed_state).T  # (nT, M)
    cov = np.asarray(res.smoothed_state_cov).transpose(2, 0, 1)  # (nT, M, M)
    return mean, cov


def _chol(cov: np.ndarray) -> np.ndarray:
    """Lower-triangular factor (column ``j`` moves states ``j`` onward); eigen-factor if not positive definite."""
    c = 0.5 * (cov + np.swapaxes(cov, -1, -2))
    try:
        return np.asarray(np.linalg.cholesky(c + 1e-12 * np.eye(c.shape[-1])))
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(c)
        return np.asarray(v * np.sqrt(np.maximum(w, 0.0))[..., None, :])


def fit_hierarchy(obs: ObservationSet, profile: SeasonalProfile, growth: Mapping[int, float],
                  register: Mapping[str, Mapping[str, Any]], const: Constants, *,
                  n_param: int = N_PARAM_DRAWS, seed: int = 20240601
                  ) -> tuple[HierarchyFit, SlotData, Callable[[np.ndarray], Any]]:
    """Estimate the model from an observation set.

    Returns
    -------
    HierarchyFit, SlotData, rebuild
        The fit, the observation arrays it used and ``rebuild(endog)``, the statsmodels model
        of the same equations on other data (for leave-one-out refilters).
    """
    floors = floors_from(register)
    priors = priors_from(register)
    levels = const.levels
    ratio = 1.0
    for b in obs.breaks(levels.nation, "express_volume"):
        ratio = float(b.ratio)
    data = build(obs, profile, growth, const, floors)
    mean0, cov0 = initial_state(data, register, ratio, levels.nation)
    model = make_model(data.endog, data.design, data.intercept, data.var, mean0, cov0, priors)
    start = unconstrain(np.asarray(model.start_params))
    theta = _maximise(model, priors, start)
    if any(o.geography == levels.prefecture and o.indicator == "express_volume_inout" for o in obs.observations):
        point, _ = _smoothed(model, constrain(theta))
        for _ in range(2):  # extended-Kalman passes: relinearise in+out at the smoothed states
            data = build(obs, profile, growth, const, floors, point=point, first_year=data.first_year)
            model = make_model(data.endog, data.design, data.intercept, data.var, mean0, cov0, priors)
            theta = _maximise(model, priors, theta)
            point, _ = _smoothed(model, constrain(theta))
    cov = _hessian_cov(model, priors, theta)
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(cov + 1e-12 * np.eye(cov.shape[0]))
    thetas = theta + rng.standard_normal((n_param, theta.size)) @ chol.T
    thetas[0] = theta
    draws = constrain(thetas)
    means, chols = [], []
    for p in draws:
        m, c = _smoothed(model, p)
        means.append(m)
        chols.append(_chol(c))
    fit = HierarchyFit(data.first_year, data.last_year, constrain(theta), cov, draws, np.stack(means),
                       np.stack(chols), dict(priors.local_sigma or {}), float(model.loglike(constrain(theta))),
                       len(data.rows))
    final = data

    def rebuild(endog: np.ndarray) -> Any:
        return make_model(endog, final.design, final.intercept, final.var, mean0, cov0, priors)

    return fit, data, rebuild
