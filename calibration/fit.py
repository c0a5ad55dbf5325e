"""From an observation set to fitted, uncertain paths for China, Guizhou and Bijie.

* China (express_volume, express_revenue): the annual series, chain-linked across
  scope breaks (growth is the signal, so earlier levels are put on the latest
  basis), is fitted with every model of the menu; rolling-origin backtests weight
  them and give the log-error distribution by horizon that sets the intervals.
* Guizhou: China times a fitted share (:mod:`calibration.topdown`), from the
  partial-year releases and their implied year-earlier windows.
* Bijie: collected = Guizhou × population share × intensity; delivered = national
  deliveries per person × population × relative consumption; both ratios are
  lognormal priors from the assumption register, updated by local observations.

Every window (month, quarter, half, Jan–N) is an annual draw times its seasonal
share (:mod:`calibration.seasonality`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from expressim.calibration import assumptions as reg
from expressim.calibration.backtest import BacktestResult, combine, interval_quantiles, rolling_origin
from expressim.calibration.conventions import LOG_ERROR_CAP, QUANTILES
from expressim.calibration.errors import FitError
from expressim.calibration.models import FIT_ERRORS, default_menu
from expressim.calibration.observations import Observation, ObservationSet
from expressim.calibration.periods import Period, parse_period
from expressim.calibration.seasonality import SeasonalProfile, profile_from_observations
from expressim.calibration.topdown import LogNormalBelief, ShareFit, fit_share, window_mid_year

NATIONAL = ("express_volume", "express_revenue")
BIJIE_INDICATORS = ("express_volume", "express_volume_inbound", "express_volume_inout", "express_revenue")
MAX_HORIZON = 12
#: the unit of each supported indicator (canonical)
UNITS = {"express_volume": "件", "express_revenue": "元", "express_volume_inbound": "件",
         "express_volume_inout": "件"}


@dataclass(frozen=True)
class AnnualSeries:
    """An annual series on one comparable basis.

    ``breaks`` lists ``(year, ratio)``: every level before ``year`` was multiplied by ``ratio``.
    """

    years: np.ndarray
    values: np.ndarray
    breaks: tuple[tuple[int, float], ...] = ()

    def as_dict(self) -> dict[int, float]:
        return {int(y): float(v) for y, v in zip(self.years, self.values, strict=True)}


def annual_series(obs: ObservationSet, geography: str, indicator: str) -> AnnualSeries:
    """Calendar-year levels, published first, derived (from growth rates) only to fill gaps,
    chain-linked across scope breaks so that all years share the latest basis.

    A break at year ``t`` with ratio ``r`` multiplies every level before ``t`` by ``r``.
    """
    levels: dict[int, Observation] = {}
    for o in obs.select(geography, indicator):
        if o.period.kind == "year" and (o.period.year not in levels or levels[o.period.year].derived):
            levels[o.period.year] = o
    if not levels:
        raise FitError(f"no annual {indicator} observations for {geography}")
    years = np.array(sorted(levels))
    # keep the longest run of consecutive years ending at the last one
    gaps = np.nonzero(np.diff(years) != 1)[0]
    if gaps.size:
        years = years[gaps[-1] + 1:]
    values = np.array([levels[y].value for y in years], dtype=float)
    applied: list[tuple[int, float]] = []
    for b in obs.breaks(geography, indicator):
        p = parse_period(b.period)
        if p.kind == "year":
            values[years < p.year] *= b.ratio
            applied.append((p.year, b.ratio))
    return AnnualSeries(years, values, tuple(applied))


@dataclass(frozen=True)
class NationalFit:
    """A menu-fitted national series with backtest-based intervals.

    Attributes
    ----------
    series : AnnualSeries
        History on the latest basis [canonical unit].
    point : ndarray
        Weighted-combination forecast for the ``MAX_HORIZON`` years after the last [canonical unit].
    errors : ndarray
        Combination backtest ``(horizon, log error)`` pairs, shape (n, 2).
    """

    indicator: str
    series: AnnualSeries
    weights: dict[str, float]
    point: np.ndarray
    errors: np.ndarray
    backtest: BacktestResult
    model_params: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def last_year(self) -> int:
        return int(self.series.years[-1])

    def levels(self, years: Sequence[int], u: np.ndarray) -> np.ndarray:
        """Levels for ``years`` at predictive quantile ``u`` (one per draw), shape (n, len(years)).

        Past years return history; future years the combination forecast times
        ``exp(q_h(u))``, the backtest log-error quantile at horizon ``h`` from the
        pooled model of :func:`calibration.backtest.interval_quantiles` (bias and
        spread proportional to ``h``; the same ``u`` at every horizon: a draw is a
        whole, coherent path).
        """
        u = np.asarray(u, dtype=float)
        hist = self.series.as_dict()
        out = np.empty((u.size, len(years)))
        for j, y in enumerate(years):
            h = int(y) - self.last_year
            if h <= 0:
                if int(y) not in hist:
                    raise FitError(f"China {self.indicator}: no level for {y}")
                out[:, j] = hist[int(y)]
            elif h > MAX_HORIZON:
                raise FitError(f"China {self.indicator}: {y} is beyond the {MAX_HORIZON}-year horizon")
            else:
                out[:, j] = self.point[h - 1] * np.exp(self._quantiles(h, u))
        return out

    def _quantiles(self, h: int, u: np.ndarray) -> np.ndarray:
        if self.errors.size == 0:
            raise FitError(f"China {self.indicator}: no backtest errors to set intervals")
        # a Student t with very few degrees of freedom has enormous tails: cap a log error at ±8
        # (a factor of about 3000) so no draw overflows; such intervals are uninformative anyway
        return np.clip(np.asarray(interval_quantiles(self.errors, h, u)), -LOG_ERROR_CAP, LOG_ERROR_CAP)

    def to_dict(self) -> dict[str, Any]:
        summ = self.backtest.summary()
        return {
            "indicator": self.indicator, "history": self.series.as_dict(),
            "scope_breaks": [{"year": y, "ratio": r} for y, r in self.series.breaks],
            "weights": self.weights, "model_params": self.model_params,
            "point_forecast": {str(self.last_year + i + 1): float(v) for i, v in enumerate(self.point)},
            "backtest_summary": summ.to_dict(orient="records"),
            "backtest_failures": self.backtest.failures,
        }


def fit_national(obs: ObservationSet, indicator: str, min_train: int = 6,
                 horizons: Sequence[int] = (1, 2, 3)) -> NationalFit:
    """Fit the model menu to a national annual series and backtest it."""
    s = annual_series(obs, "China", indicator)
    bt = rolling_origin(s.years, s.values, default_menu(), min_train=min_train, horizons=horizons)
    forecasts: dict[str, np.ndarray] = {}
    params: dict[str, dict[str, float]] = {}
    for m in default_menu():
        if bt.weights.get(m.name, 0.0) <= 0:
            continue
        try:
            fm = m.fit(s.years, s.values)
            forecasts[m.name] = fm.predict(MAX_HORIZON)
            params[m.name] = dict(fm.params)
        except FIT_ERRORS:
            continue
    if not forecasts:
        raise FitError(f"China {indicator}: no model of the menu could be fitted")
    weights = {k: v for k, v in bt.weights.items() if k in forecasts}
    total = sum(weights.values())
    weights = {k: v / total for k, v in weights.items()}
    point = combine(forecasts, weights)
    errors = bt.error_pairs("combination")
    return NationalFit(indicator, s, weights, point, errors, bt, params)


def _population(obs: ObservationSet, geography: str, indicator: str) -> float | None:
    rows = obs.select(geography, indicator)
    return rows[-1].value if rows else None


@dataclass(frozen=True)
class Fitted:
    """Everything calibration produced, with draws for any supported window.

    Use :meth:`annual_draws` / :meth:`window_draws` for forecasts and
    :meth:`bijie_paths` (with :meth:`baseline_factor_ppfs`) for the simulation.
    """

    data_hash: str
    until: str | None
    profile: SeasonalProfile
    national: dict[str, NationalFit]
    guizhou: dict[str, ShareFit]
    bijie_collected: LogNormalBelief
    bijie_delivered: LogNormalBelief
    register: dict[str, dict[str, Any]]
    populations: dict[str, float]
    notes: tuple[str, ...] = ()

    # ---- national and provincial -------------------------------------------------------------
    @property
    def last_year(self) -> int:
        """Last year of national history (the forecast origin)."""
        return self.national["express_volume"].last_year

    def guizhou_levels(self, indicator: str, years: Sequence[int], u_nat: np.ndarray,
                       u_share: np.ndarray) -> np.ndarray:
        """Guizhou annual levels = China × exp(log share), shape (n, len(years))."""
        nat = self.national[indicator].levels(years, u_nat)
        t = np.asarray(years, dtype=float) + 0.5
        return nat * np.exp(self.guizhou[indicator].log_share(t, np.asarray(u_share)[:, None]))

    # ---- Bijie ---------------------------------------------------------------------------------
    def baseline_factor_ppfs(self) -> dict[str, Any]:
        """Quantile functions of the calibration uncertainties the simulation draws.

        Keys: ``national_volume_u`` and ``guizhou_share_u`` (identity on (0, 1): the
        fitted paths take the uniform directly), ``bijie_collected_intensity`` and
        ``bijie_delivered_relative`` (posterior lognormals).
        """
        return {
            "national_volume_u": lambda u: np.asarray(u, dtype=float),
            "guizhou_share_u": lambda u: np.asarray(u, dtype=float),
            "bijie_collected_intensity": self.bijie_collected.ppf,
            "bijie_delivered_relative": self.bijie_delivered.ppf,
        }

    def bijie_paths(self, years: Sequence[int], factors: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Bijie baseline (no new policy) annual collected and delivered parcels [件], each (n, len(years)).

        Parameters
        ----------
        years : sequence of int
            Calendar years.
        factors : mapping
            Values of the four factors of :meth:`baseline_factor_ppfs` (already
            mapped through their ppfs), each shape (n,).
        """
        pop = self.populations
        if "express_volume" not in self.guizhou:
            raise FitError("Bijie: needs Guizhou's share of the national volume, which could not be fitted ("
                           + "; ".join(n for n in self.notes if n.startswith("Guizhou")) + ")")
        nat = self.national["express_volume"].levels(years, factors["national_volume_u"])
        t = np.asarray(years, dtype=float) + 0.5
        share = np.exp(self.guizhou["express_volume"].log_share(t, np.asarray(factors["guizhou_share_u"])[:, None]))
        collected = nat * share * (pop["Bijie"] / pop["Guizhou"]) * np.asarray(factors["bijie_collected_intensity"])[:, None]
        per_collected = reg.median(self.register["national_delivered_per_collected"])
        delivered = (nat * per_collected / pop["China"] * pop["Bijie"]
                     * np.asarray(factors["bijie_delivered_relative"])[:, None])
        return collected, delivered

    def revenue_per_parcel(self, years: Sequence[int], u_level: np.ndarray, u_decline: np.ndarray) -> np.ndarray:
        """Bijie revenue per collected parcel [元/件], (n, len(years)), from the register's priors."""
        lvl = reg.distribution(self.register["revenue_per_parcel_2023"]).ppf(u_level)[:, None]
        dec = reg.distribution(self.register["revenue_per_parcel_decline"]).ppf(u_decline)[:, None]
        return np.asarray(lvl * (1 - dec) ** (np.asarray(years, dtype=float) - 2023))

    # ---- draws for any supported series ---------------------------------------------------------
    def annual_draws(self, geography: str, indicator: str, years: Sequence[int], n: int,
                     rng: np.random.Generator) -> np.ndarray:
        """Joint draws of annual levels, shape (n, len(years)) [canonical unit]."""
        u = rng.random((6, n))
        if geography == "China":
            if indicator not in self.national:
                raise FitError(f"China: indicator '{indicator}' is not calibrated (have {', '.join(self.national)})")
            return self.national[indicator].levels(years, u[0])
        if geography == "Guizhou":
            if indicator not in self.guizhou:
                why = "; ".join(n for n in self.notes if n.startswith(f"Guizhou {indicator}"))
                raise FitError(f"Guizhou: indicator '{indicator}' is not calibrated ({why or 'unknown indicator'})")
            return self.guizhou_levels(indicator, years, u[0], u[1])
        if geography == "Bijie":
            if indicator not in BIJIE_INDICATORS:
                raise FitError(f"Bijie: indicator '{indicator}' is not calibrated (have {', '.join(BIJIE_INDICATORS)})")
            factors = {"national_volume_u": u[0], "guizhou_share_u": u[1],
                       "bijie_collected_intensity": self.bijie_collected.ppf(u[2]),
                       "bijie_delivered_relative": self.bijie_delivered.ppf(u[3])}
            col, dlv = self.bijie_paths(years, factors)
            if indicator == "express_volume":
                return col
            if indicator == "express_volume_inbound":
                return dlv
            if indicator == "express_volume_inout":
                return col + dlv
            return col * self.revenue_per_parcel(years, u[4], u[5])
        raise FitError(f"geography '{geography}' is not calibrated (have China, Guizhou, Bijie)")

    def window_draws(self, geography: str, indicator: str, period: Period, n: int,
                     rng: np.random.Generator) -> np.ndarray:
        """Draws of the total over a window (year, quarter, half, month, Jan–N) [canonical unit]."""
        if not period.is_flow_window or period.first // 12 != period.last // 12:
            raise FitError(f"period {period}: expected a window inside one calendar year")
        y = period.year
        ann = self.annual_draws(geography, indicator, [y - 1, y], n, rng)
        if period.kind == "year":
            return ann[:, 1]
        growth = ann[:, 1] / ann[:, 0] - 1
        share = self.profile.window_share(period, growth)
        noise = np.exp(self.profile.resid_sd * rng.standard_normal(n))
        return ann[:, 1] * share * noise

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable artefact (``calibrate`` writes it as ``fitted.json``)."""
        return {
            "data_hash": self.data_hash, "until": self.until, "last_year": self.last_year,
            "seasonal_profile": self.profile.to_dict(),
            "national": {k: v.to_dict() for k, v in self.national.items()},
            "guizhou_share": {k: v.to_dict() for k, v in self.guizhou.items()},
            "bijie": {"collected_intensity": self.bijie_collected.to_dict(),
                      "delivered_relative": self.bijie_delivered.to_dict(),
                      "populations": self.populations},
            "notes": list(self.notes),
        }


def _national_window(nat: NationalFit, profile: SeasonalProfile, period: Period) -> float | None:
    hist = nat.series.as_dict()
    y = period.year
    if y not in hist or period.first // 12 != period.last // 12:
        return None
    g = hist[y] / hist[y - 1] - 1 if y - 1 in hist else 0.0
    return float(hist[y] * profile.window_share(period, g))


def _local_updates(obs: ObservationSet, fitted_parts: dict[str, Any], indicator: str) -> tuple[list[float], list[float]]:
    """Log ratios implied by local Bijie observations and their variances."""
    nat: NationalFit = fitted_parts["nat"]
    share: ShareFit = fitted_parts["share"]
    profile: SeasonalProfile = fitted_parts["profile"]
    pops: dict[str, float] = fitted_parts["pops"]
    ys: list[float] = []
    vs: list[float] = []
    for o in obs.select("Bijie", indicator):
        if not o.period.is_flow_window or o.period.first // 12 != o.period.last // 12:
            continue
        y = o.period.year
        h = y - nat.last_year
        if h > MAX_HORIZON:
            continue
        mid = np.array([0.5])
        nat_year = float(nat.levels([y], mid)[0, 0])
        prev = float(nat.levels([y - 1], mid)[0, 0]) if y - 1 >= nat.series.years[0] else nat_year
        win = nat_year * float(profile.window_share(o.period, nat_year / prev - 1))
        var = (o.rel_precision + 0.01) ** 2
        if o.period.kind != "year":
            var += profile.resid_sd**2
        if h > 0:
            q = nat._quantiles(h, stats.norm.cdf(np.array([-1.0, 1.0])))
            var += float((q[1] - q[0]) / 2) ** 2
        if indicator == "express_volume":
            t = window_mid_year(o.period.first, o.period.last)
            parent = win * float(np.exp(share.log_share(t))) * pops["Bijie"] / pops["Guizhou"]
            var += float(share.scale(t)) ** 2
        else:
            parent = win / pops["China"] * pops["Bijie"]
        ys.append(float(np.log(o.value / parent)))
        vs.append(var)
    return ys, vs


def fit_all(obs: ObservationSet, register: dict[str, dict[str, Any]] | None = None) -> Fitted:
    """Calibrate everything from an observation set (the ``calibrate`` command's work)."""
    register = register if register is not None else reg.load_register()
    notes: list[str] = []
    national = {ind: fit_national(obs, ind) for ind in NATIONAL}
    vol = national["express_volume"]
    growth = {int(y): float(v / p - 1) for y, v, p in zip(vol.series.years[1:], vol.series.values[1:],
                                                             vol.series.values[:-1], strict=True)}
    published = {o.period.year: o.value for o in obs.select("China", "express_volume", derived=False)
                 if o.period.kind == "year"}
    profile = profile_from_observations(obs, published, growth)
    guizhou: dict[str, ShareFit] = {}
    for ind in NATIONAL:
        rows = obs.select("Guizhou", ind)
        nf = national[ind]

        def parent(o: Observation, nf: NationalFit = nf) -> float | None:
            return _national_window(nf, profile, o.period)

        try:
            guizhou[ind] = fit_share(rows, parent)
        except ValueError as exc:  # China still forecasts; Guizhou and Bijie say why they cannot
            notes.append(f"Guizhou {ind}: {exc}")
    pops = {
        "China": _population(obs, "China", "population_yearend") or 1.40828e9,
        "Guizhou": _population(obs, "Guizhou", "resident_population_census") or 3.85621e7,
        "Bijie": float(reg.median(register["bijie_population"])),
    }
    if _population(obs, "China", "population_yearend") is None:
        notes.append("China population not in the data: used 140,828万 (2024, drivers.csv)")
    prior_c = register["bijie_collected_intensity"]
    prior_d = register["bijie_delivered_relative"]
    parts = {"nat": vol, "share": guizhou.get("express_volume"), "profile": profile, "pops": pops}
    bc = LogNormalBelief.from_median(prior_c["median"], prior_c["sigma"])
    if parts["share"] is not None:
        bc = bc.update(*_local_updates(obs, parts, "express_volume"))
    bd = LogNormalBelief.from_median(prior_d["median"], prior_d["sigma"]).update(
        *_local_updates(obs, parts, "express_volume_inbound"))
    return Fitted(obs.data_hash, obs.until, profile, national, guizhou, bc, bd, register, pops, tuple(notes))


def forecast(fitted: Fitted, geography: str, indicator: str, period: str, n: int = 20000,
             seed: int = 0) -> dict[str, Any]:
    """Forecast one window: the ``forecast --json`` dictionary (docs/outputs.md), canonical units."""
    try:
        p = parse_period(period, allow_approx=False)
    except ValueError as exc:
        raise FitError(f"--period: {exc}") from None
    draws = fitted.window_draws(geography, indicator, p, n, np.random.default_rng(seed))
    qs = np.quantile(draws, QUANTILES)
    return {"geography": geography, "indicator": indicator, "period": str(p),
            "unit": UNITS.get(indicator, ""), "mean": float(draws.mean()),
            "quantiles": {str(q): float(v) for q, v in zip(QUANTILES, qs, strict=True)}}
