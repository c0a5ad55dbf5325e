"""The national monthly layer: nowcasts of the current year from every monthly release.

Model (natural logs, monthly time ``t``).  The year-on-year growth of month ``t`` on the
publisher's comparable basis, ``G_t = log(V_t / V*_{t-12})``, is a local level plus noise::

    G_t = g_t + u_t + ε_t,          g_{t+1} = g_t + η_t          (volume)
    R_t = g_t + q_t + u_t + ε'_t,   q_{t+1} = q_t + η'_t         (revenue: volume growth + revenue-per-parcel growth)
                                    u_{t+1} = ρ u_t + ν_t        (a passing deviation, |ρ| < 1)

Written on levels this is ``log V_t = log V*_{t-12} + g_t + ε_t``: each calendar month's level
evolves from its own value a year earlier, so the seasonal pattern is allowed to move from year
to year (a seasonal random walk, the structural form of a seasonal-difference model), and a
year-on-year rate, the most informative number of a bulletin, is observed directly; published
across the 2024 scope break it compares like with like.  ``u`` is a deviation of the growth
that passes within months (a lockdown a year earlier that lifts this spring's rates, a festival
shifted): it holds the level ``g`` from chasing it, decays in the nowcast at the rate ``ρ`` and
is left out of the pace the year exits at.  ``ρ`` and the five SDs are estimated (weak priors)
at each origin; the component was chosen on the selection set of ``benchmarks/nowcast_eval.py``
(docs/nowcast.md).

Windows.  A window's growth (the Spring-Festival block, Jan–N, a quarter) is the log of a ratio
of sums; to first order it is the weighted mean ``Σ_k w_k G_k`` with ``w_k`` the months' shares
of the same window a year earlier (exact when the months grow alike; the second-order error is
measured in ``tests/test_monthly.py``).  January and February are published together and the
holiday moves between them, so they form one block; a year whose holiday slack reaches March
(its dates come from ``data/spring_festival.csv``) joins March to the block.  The state carries
the last twelve months of ``g`` and ``q`` so that every window of the year is linear in it.

Nowcast.  For a year with months ``1..N`` published, the full year is the published Jan–N total
plus, for each later month, last year's comparable level times ``exp(G)`` drawn from the
filtered state and its random-walk forecast: the known part is exact, only the rest is uncertain.
The annual hierarchy receives that full year as one observation with its variance
(:func:`nowcast_observations`), so every forecast and path downstream reads every release.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from expressim.calibration.monthly_releases import (
    SERIES,
    Obs,
    YearData,
    basis_factor,
    growth_observations,
    spring_festival_dates,
    year_data,
)
from expressim.calibration.observations import Observation, ObservationSet
from expressim.calibration.periods import Period, parse_period

#: weak priors of the five log shock SDs: mean and SD [log of log-growth SD]
SD_PRIOR = (np.log(0.03), 1.5)
#: weak prior of the passing deviation's monthly persistence: mean and SD of logit ρ
RHO_PRIOR = (0.0, 1.5)
#: logit ρ where the search starts (a start at the prior mean would give Nelder-Mead no step in ρ)
RHO_START = 1.0
#: variance of the approximately diffuse initial growth states [log²]
INITIAL_VAR = 0.25
NS = 12  # months of lags kept in the state
N_STATES = 3 * NS  # lags of g, q and u


@dataclass(frozen=True)
class MonthlyFit:
    """The filtered monthly growth states and the estimated shock SDs.

    ``first_year``: year of month index 0; ``last_t``: the last month with an observation;
    ``mean`` (36,) and ``cov`` (36, 36): the filtered state at ``last_t`` (lags of ``g``, ``q``, ``u``);
    ``sd``: shock SDs ``eta_g, eta_q, eps_v, eps_r, nu`` [log growth] and ``rho`` (the sixth entry).
    """

    first_year: int
    last_t: int
    mean: np.ndarray
    cov: np.ndarray
    sd: np.ndarray
    loglike: float
    n_obs: int


def _system(sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Transition matrix and state-noise covariance of the lag-augmented states.

    ``g' = g + η_g``, ``q' = q + η_q``, ``u' = ρ u + ν``; the lags shift by one month.
    ``sd`` = ``(η_g, η_q, ε_v, ε_r, ν, ρ)``.
    """
    T = np.zeros((N_STATES, N_STATES))
    Q = np.zeros((N_STATES, N_STATES))
    for k in (0, NS, 2 * NS):
        T[k, k] = 1.0
        for j in range(1, NS):
            T[k + j, k + j - 1] = 1.0
    T[2 * NS, 2 * NS] = sd[5]
    Q[0, 0], Q[NS, NS], Q[2 * NS, 2 * NS] = sd[0] ** 2, sd[1] ** 2, sd[4] ** 2
    return T, Q


def _initial_var(sd: np.ndarray) -> np.ndarray:
    """Initial state variances: near-diffuse growth levels, the deviation at its stationary variance."""
    v = np.full(N_STATES, INITIAL_VAR)
    v[2 * NS:] = sd[4] ** 2 / (1 - sd[5] ** 2)
    return v


def _sd(theta: np.ndarray) -> np.ndarray:
    """Parameters from the optimiser's scale: log SDs, then logit ρ (real part: no complex steps)."""
    p = np.real(np.asarray(theta))
    out = np.exp(p)
    out[5] = 1.0 / (1.0 + np.exp(-p[5]))
    return np.asarray(out, dtype=float)


def _theta(sd: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_sd`."""
    sd = np.asarray(sd, dtype=float)
    return np.r_[np.log(sd[:5]), np.log(sd[5] / (1.0 - sd[5]))]


def _design(o: Obs) -> np.ndarray:
    z = np.zeros(N_STATES)
    for lag, w in o.weights.items():
        z[lag] += w
        z[2 * NS + lag] += w
        if o.series == 1:
            z[NS + lag] += w
    return z


def _arrays(observations: Sequence[Obs], n_months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Endog (n_months, 4), design (4, N_STATES, n_months) and the noise multipliers Σw² (4, n_months).

    Slots: volume block, volume Jan–N, revenue block, revenue Jan–N (NaN where nothing was published).
    """
    endog = np.full((n_months, 4), np.nan)
    design = np.zeros((4, N_STATES, n_months))
    mult = np.ones((4, n_months))
    for o in observations:
        slot = 2 * o.series + int(o.cumulative)
        endog[o.t, slot] = o.value
        design[slot, :, o.t] = _design(o)
        mult[slot, o.t] = sum(w * w for w in o.weights.values())
    return endog, design, mult


def _model(observations: Sequence[Obs], n_months: int) -> Any:
    """The layer as a statsmodels state-space model (its compiled Kalman filter)."""
    from statsmodels.tsa.statespace.mlemodel import MLEModel

    endog, design, mult = _arrays(observations, n_months)

    class Layer(MLEModel):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(endog, k_states=N_STATES, k_posdef=N_STATES)
            self["design"] = design
            self["selection"] = np.eye(N_STATES)

        def update(self, params: np.ndarray, **kwargs: Any) -> None:
            sd = _sd(params)
            T, Q = _system(sd)
            self.ssm.initialize_known(np.zeros(N_STATES), np.diag(_initial_var(sd)))
            self["transition"] = T
            self["state_cov"] = Q
            cov = np.zeros((4, 4, n_months))
            for slot in range(4):
                cov[slot, slot] = sd[2 + slot // 2] ** 2 * mult[slot]
            self["obs_cov"] = cov

    return Layer()


def kalman(observations: Sequence[Obs], n_months: int, sd: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood and the filtered state mean and covariance at the last month.

    The observation noise of a window is ``σ_ε² Σ w²`` (independent monthly deviations averaged).
    ``sd`` as in :class:`MonthlyFit`.
    """
    model = _model(observations, n_months)
    res = model.filter(_theta(sd))
    return float(res.llf), np.asarray(res.filtered_state[:, -1]), np.asarray(res.filtered_state_cov[:, :, -1])


def fit_monthly(observations: Sequence[Obs], n_months: int, first_year: int) -> MonthlyFit:
    """Maximum a posteriori shock SDs and persistence (weak priors :data:`SD_PRIOR`, :data:`RHO_PRIOR`)
    and the filtered end state."""
    from scipy.optimize import minimize

    model = _model(observations, n_months)

    def neg(theta: np.ndarray) -> float:
        prior = np.sum(((theta[:5] - SD_PRIOR[0]) / SD_PRIOR[1]) ** 2) + ((theta[5] - RHO_PRIOR[0]) / RHO_PRIOR[1]) ** 2
        return -(float(model.loglike(theta)) - 0.5 * float(prior))

    res = minimize(neg, np.r_[np.full(5, SD_PRIOR[0]), RHO_START], method="Nelder-Mead",
                   options={"xatol": 1e-3, "fatol": 1e-4, "maxiter": 1200})
    out = model.filter(res.x)
    last_t = max((o.t for o in observations), default=0)
    return MonthlyFit(first_year, last_t, np.asarray(out.filtered_state[:, -1]),
                      np.asarray(out.filtered_state_cov[:, :, -1]), _sd(res.x), float(out.llf), len(observations))


@dataclass(frozen=True)
class NowcastPlan:
    """A year's nowcast of one national series, in closed form.

    Months ``1..n_known`` are published (``known`` [canonical unit]); each later month ``m`` is
    ``base[m] · exp(G_m)`` with ``base`` last year's comparable level and the log growths ``G``
    jointly normal (``mean``, ``cov``): the filtered growth level's uncertainty, the random walk
    of the level over the months ahead, the passing deviation's decay and each month's own deviation.
    """

    indicator: str
    year: int
    n_known: int
    known: tuple[float, ...]
    base: tuple[float, ...]
    mean: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]

    def months(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of every month of the year, shape (n, 12) [canonical unit] (known months repeat)."""
        out = np.empty((n, 12))
        out[:, :self.n_known] = np.asarray(self.known)
        if self.n_known < 12:
            g = rng.multivariate_normal(np.asarray(self.mean), np.asarray(self.cov), size=n, method="eigh")
            out[:, self.n_known:] = np.asarray(self.base) * np.exp(g)
        return out

    def window(self, period: Period, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of a window of the year (its months summed) [canonical unit], shape (n,)."""
        m0, m1 = period.first % 12, period.last % 12
        return np.asarray(self.months(n, rng)[:, m0:m1 + 1].sum(axis=1))

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable form (the fit's artefact keeps it)."""
        return {"indicator": self.indicator, "year": self.year, "n_known": self.n_known, "known": list(self.known),
                "base": list(self.base), "mean": list(self.mean), "cov": [list(r) for r in self.cov]}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> NowcastPlan:
        """Inverse of :meth:`to_dict`."""
        return cls(str(d["indicator"]), int(d["year"]), int(d["n_known"]),  # type: ignore[call-overload]
                   tuple(map(float, d["known"])), tuple(map(float, d["base"])),  # type: ignore[call-overload]
                   tuple(map(float, d["mean"])),  # type: ignore[call-overload]
                   tuple(tuple(map(float, r)) for r in d["cov"]))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class MonthlyLayer:
    """The fitted monthly layer and the data it read."""

    fit: MonthlyFit
    data: dict[str, dict[int, YearData]]
    basis: dict[str, float]

    @property
    def year(self) -> int:
        """The year of the last month with a release."""
        return self.fit.first_year + self.fit.last_t // 12

    def plan(self, indicator: str) -> NowcastPlan | None:
        """The nowcast of :attr:`year`, or None when the year is complete or its known part or last
        year's comparable levels cannot be read."""
        y = self.year
        yd = self.data.get(indicator, {}).get(y)
        prev = self.data.get(indicator, {}).get(y - 1)
        if yd is None or yd.cumulative is None or prev is None or yd.annual is not None:
            return None
        n_known, known_total, cum_g = yd.cumulative
        if n_known >= 12:
            return None
        prior = _comparable_prev(prev, n_known, known_total, cum_g, self.basis.get(indicator, 1.0))
        if prior is None:
            return None
        known = [yd.months.get(m, np.nan) for m in range(1, n_known + 1)]
        if not np.all(np.isfinite(known)):  # known months only as a total: spread by last year's shares
            w = np.array([prior.get(m, np.nan) for m in range(1, n_known + 1)])
            w = w / w.sum() if np.all(np.isfinite(w)) else np.full(n_known, 1.0 / n_known)
            known = list(known_total * w)
        mean, cov = self._growth_moments(SERIES.index(indicator), 12 - n_known)
        return NowcastPlan(indicator, y, n_known, tuple(float(v) for v in known),
                           tuple(float(prior[m]) for m in range(n_known + 1, 13)),
                           tuple(float(v) for v in mean), tuple(tuple(float(v) for v in r) for r in cov))

    def _growth_moments(self, si: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance of the log growth of the ``h`` months after the last release.

        With ``x_j`` the state ``j`` months ahead and ``z`` picking ``g + u`` (``+ q`` for revenue):
        ``E G_j = z'T^j m`` and ``Cov(G_j, G_k) = z'T^j P T^k'z + Σ_{i≤min(j,k)} z'T^{j-i} Q T^{k-i}'z
        + [j = k] σ_ε²`` (``m``, ``P``: the filtered state).  Without the passing deviation this is
        ``Var ℓ_N + min(j, k) σ_η² + [j = k] σ_ε²`` (tested).
        """
        fit = self.fit
        T, Q = _system(fit.sd)
        z = np.zeros(N_STATES)
        z[[0, 2 * NS]] = 1.0
        if si == 1:
            z[NS] = 1.0
        zt = [z]  # z'T^j, j = 0..h
        for _ in range(h):
            zt.append(zt[-1] @ T)
        a = np.array(zt)  # (h + 1, N_STATES)
        mean = a[1:] @ fit.mean
        cov = a[1:] @ fit.cov @ a[1:].T
        for i in range(1, h + 1):  # the shock of month i reaches months j >= i through z'T^{j-i}
            b = np.zeros((h, N_STATES))
            b[i - 1:] = a[:h - i + 1]
            cov += b @ Q @ b.T
        cov += np.eye(h) * fit.sd[2 + si] ** 2
        return mean, cov

    def growth_level(self, indicator: str) -> tuple[float, float]:
        """Filtered growth level of the last month [log] and its SD."""
        idx = [0] if indicator == SERIES[0] else [0, NS]
        return float(self.fit.mean[idx].sum()), float(np.sqrt(self.fit.cov[np.ix_(idx, idx)].sum()))


def _comparable_prev(prev: YearData, n_known: int, known_total: float, cum_g: float | None,
                     k: float) -> dict[int, float] | None:
    """Last year's months on this year's basis: published months × the basis factor; months not
    published are the rest of last year's total (less the published months and the Jan–N part
    implied by this year's growth rate), spread evenly."""
    months = {m: v * k for m, v in prev.months.items()}
    missing = [m for m in range(n_known + 1, 13) if m not in months]
    if not missing:
        return months
    if prev.annual is None or cum_g is None:
        return None
    known_prev = known_total / np.exp(cum_g)
    later = sum(months[m] for m in range(n_known + 1, 13) if m in months)
    rest = prev.annual * k - known_prev - later
    if rest <= 0:
        return None
    for m in missing:
        months[m] = rest / len(missing)
    return months


def fit_layer(obs: ObservationSet, nation: str, dates: Mapping[int, dt.date] | None = None) -> MonthlyLayer | None:
    """Fit the monthly layer on the releases of ``nation`` (its geography key in the data; None
    without monthly growth data)."""
    dates = dates if dates is not None else spring_festival_dates()
    data = {ind: year_data(obs, ind, nation) for ind in SERIES}
    years = sorted({y for d in data.values() for y in d})
    if not years:
        return None
    first = years[0]
    observations = growth_observations(data, first, dates)
    if len([o for o in observations if o.series == 0]) < 3:
        return None
    n_months = max(o.t for o in observations) + 1
    fit = fit_monthly(observations, n_months, first)
    layer_year = first + fit.last_t // 12
    basis = {ind: basis_factor(obs, ind, layer_year, nation) for ind in SERIES}
    return MonthlyLayer(fit, data, basis)


#: the pseudo-indicator of the growth level at the year's last release (exp of it, as a factor)
EXIT = "express_volume_growth_exit"


def nowcast_observations(obs: ObservationSet, nation: str, plans: Sequence[NowcastPlan],
                         layer: MonthlyLayer | None = None,
                         exit_mismatch: float = 0.03, n: int = 4000,
                         seed: int = 0) -> tuple[list[Observation], list[str]]:
    """What the layer tells the annual hierarchy, as observations flagged ``derived``, and notes.

    For each plan, one ``year`` observation whose value is the nowcast's median and whose
    ``rel_precision`` is its log SD (the hierarchy adds its definition floor).  With ``layer``,
    also the volume growth level at the last release as an observation of that year's growth
    state (``exp`` of it, indicator :data:`EXIT`; SD: the level's own and ``exit_mismatch``
    [log], register ``national_exit_growth_mismatch``): the pace the year exits at, which the
    annual totals alone show a year late.
    """
    from dataclasses import replace

    rng = np.random.default_rng(seed)
    out: list[Observation] = []
    notes: list[str] = []
    for plan in plans:
        logs = np.log(plan.months(n, rng).sum(axis=1))
        med, sd = float(np.exp(np.median(logs))), float(np.std(logs))
        template = obs.select(nation, plan.indicator, derived=False)[-1]
        out.append(replace(template, period=parse_period(str(plan.year)), value=med, yoy_growth_pct=None,
                           derived=True, preliminary=False, rel_precision=sd, line=0,
                           note=f"nowcast: monthly layer from the releases to {plan.year}-{plan.n_known:02d}"))
        notes.append(f"{nation}/{plan.indicator}/{plan.year}: nowcast from the monthly releases to "
                     f"{plan.year}-{plan.n_known:02d} (median {med:.4g}, log SD {sd:.3f})")
    if layer is not None:
        level, sd = layer.growth_level(SERIES[0])
        template = obs.select(nation, SERIES[0], derived=False)[-1]
        month = layer.fit.last_t % 12 + 1
        out.append(replace(template, indicator=EXIT, period=parse_period(str(layer.year)), value=float(np.exp(level)),
                           unit="", yoy_growth_pct=None, derived=True, preliminary=False, line=0,
                           rel_precision=float(np.hypot(sd, exit_mismatch)),
                           note=f"growth level of the monthly layer at {layer.year}-{month:02d}"))
        notes.append(f"{nation}/volume growth at {layer.year}-{month:02d}: {np.expm1(level):+.1%} a year "
                     f"(SD {sd:.3f} log), read as {layer.year}'s growth state (mismatch SD {exit_mismatch})")
    return out, notes
