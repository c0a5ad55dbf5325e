"""Short-series model menu for annual indicator levels (docs/backtest.md).

Benchmark only: the shipped calibration is the state-space model (:mod:`calibration.fit`); this
module serves ``benchmarks/backtest_table.py``, the GM(1,1) benchmark of ``benchmarks/backtest_cli.py`` and
their tests.

Every family is a small frozen class holding its options; ``fit`` turns a series into a
:class:`FittedModel` whose ``predict`` returns positive levels in the units of ``y``
(e.g. [亿件] or [亿元]) for the years after the last training year.  Growth models work on
``log y`` and forecast its conditional median; saturation curves work on per-capita values
when a population is given.  statsmodels and scipy are imported lazily (docs/architecture.md).

References: Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.), ch. 5,
8, 9; Deng Julong (1982), GM(1,1) grey model, as used throughout the Chinese express-volume
forecasting literature.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

__all__ = [
    "ArimaLog", "DampedTrend", "FittedModel", "ForecastModel", "GreyGM11", "Gompertz", "LogLinear",
    "Logistic", "ModelFitError", "PopulationFuture", "RandomWalkDrift", "default_menu",
]

PopulationFuture = Callable[[np.ndarray], np.ndarray]


class ModelFitError(RuntimeError):
    """A model could not be fitted or produced an unusable forecast (too short, no fit, NaN)."""


#: errors a numerical fit may raise besides ModelFitError; the backtest and the fit treat them
#: as a failed fit (reported and excluded), never as a crash
FIT_ERRORS: tuple[type[Exception], ...] = (ModelFitError, ArithmeticError, ValueError, np.linalg.LinAlgError)


@dataclass(frozen=True)
class FittedModel:
    """A fitted model: its parameters and a forecaster for the years after ``last_year``.

    Attributes
    ----------
    name : str
        Family name (``"rw_drift"``, ``"gm11"``, ...).
    params : dict[str, float]
        Fitted parameters as plain floats (JSON-serialisable).
    last_year : int
        Last training year.
    path : Callable[[np.ndarray], np.ndarray]
        Maps future integer years to forecast levels; use :meth:`predict`.
    """

    name: str
    params: dict[str, float]
    last_year: int = 0
    path: Callable[[np.ndarray], np.ndarray] = field(default=lambda t: t * np.nan, repr=False, compare=False)

    def predict(self, horizon: int) -> np.ndarray:
        """Forecast levels for years ``last_year + 1 .. last_year + horizon``, shape ``(horizon,)``.

        Raises
        ------
        ModelFitError
            If the forecast is not finite and strictly positive.
        """
        if int(horizon) < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        future = np.arange(self.last_year + 1, self.last_year + int(horizon) + 1)
        with np.errstate(all="ignore"):
            out = np.asarray(self.path(future), dtype=float).reshape(-1)
        if out.shape != (int(horizon),) or not np.all(np.isfinite(out)) or np.any(out <= 0):
            raise ModelFitError(f"{self.name}: forecast is not finite and positive")
        return out


class ForecastModel(Protocol):
    """What the backtest and the calibration need from a model family."""

    @property
    def name(self) -> str: ...

    @property
    def min_points(self) -> int: ...

    def fit(
        self,
        years: np.ndarray,
        y: np.ndarray,
        population: np.ndarray | None = None,
        population_future: PopulationFuture | None = None,
    ) -> FittedModel: ...


def _prepare(name: str, min_points: int, years: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate a training series; ValueError when malformed, ModelFitError when too short."""
    t = np.asarray(years)
    v = np.asarray(y, dtype=float)
    if t.ndim != 1 or v.shape != t.shape:
        raise ValueError(f"{name}: years and y must be 1-D of equal length")
    if v.size < min_points:
        raise ModelFitError(f"{name}: needs >= {min_points} points, got {v.size}")
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError(f"{name}: y must be finite and > 0")
    if v.size > 1 and not np.all(np.diff(t) == 1):
        raise ValueError(f"{name}: years must be consecutive integers")
    return t.astype(np.int64), v


def _annual_series(years: np.ndarray, values: np.ndarray) -> Any:
    """pandas Series with an annual PeriodIndex (statsmodels 0.15 needs a date index, docs/architecture.md)."""
    import pandas as pd

    return pd.Series(values, index=pd.period_range(start=str(int(years[0])), periods=len(values), freq="Y"))


@dataclass(frozen=True)
class RandomWalkDrift:
    r"""Random walk with drift on log levels.

    :math:`\ln y_{T+h} = \ln y_T + h\,\delta`, with :math:`\delta = (\ln y_T - \ln y_1)/(n-1)`
    (the mean annual log growth). Params: ``drift`` [log/yr], ``sigma`` (sd of log growth).
    """

    name: str = "rw_drift"
    min_points: int = 3

    def fit(self, years: np.ndarray, y: np.ndarray, population: np.ndarray | None = None,
            population_future: PopulationFuture | None = None) -> FittedModel:
        t, v = _prepare(self.name, self.min_points, years, y)
        d = np.diff(np.log(v))
        drift, last = float(d.mean()), float(np.log(v[-1]))
        sigma = float(d.std(ddof=1)) if d.size > 1 else 0.0
        t_last = int(t[-1])
        return FittedModel(self.name, {"drift": drift, "sigma": sigma}, t_last,
                           lambda f: np.exp(last + drift * (f - t_last)))


@dataclass(frozen=True)
class LogLinear:
    r"""OLS log-linear trend (constant growth rate).

    :math:`\ln y_t = \alpha + \beta (t - \bar t) + \varepsilon_t`; forecast
    :math:`\exp(\hat\alpha + \hat\beta (t - \bar t))`. Params: ``intercept`` (at the mean year),
    ``slope`` [log/yr], ``growth`` = :math:`e^{\beta}-1` [1/yr], ``sigma`` (residual sd).
    """

    name: str = "loglinear"
    min_points: int = 3

    def fit(self, years: np.ndarray, y: np.ndarray, population: np.ndarray | None = None,
            population_future: PopulationFuture | None = None) -> FittedModel:
        t, v = _prepare(self.name, self.min_points, years, y)
        x = t - t.mean()
        ly = np.log(v)
        slope = float(np.dot(x, ly - ly.mean()) / np.dot(x, x))
        intercept, t_mean = float(ly.mean()), float(t.mean())
        resid = ly - intercept - slope * x
        sigma = float(np.sqrt(np.dot(resid, resid) / max(v.size - 2, 1)))
        params = {"intercept": intercept, "slope": slope, "growth": math.expm1(slope), "sigma": sigma}
        return FittedModel(self.name, params, int(t[-1]), lambda f: np.exp(intercept + slope * (f - t_mean)))


@dataclass(frozen=True)
class DampedTrend:
    r"""Additive damped-trend exponential smoothing, ETS(A,Ad,N), on log levels (statsmodels).

    :math:`\ell_t = \ell_{t-1} + \phi b_{t-1} + \alpha e_t`, :math:`b_t = \phi b_{t-1} + \beta e_t`,
    forecast :math:`\ln \hat y_{T+h} = \ell_T + (\phi + \dots + \phi^h)\, b_T`, with
    :math:`\phi` bounded in statsmodels' default [0.8, 0.98]. Fitted by maximum likelihood on a
    Series with an annual PeriodIndex; convergence warnings are silenced, a failed or non-finite
    fit raises :class:`ModelFitError` (``converged`` is recorded in params as 1.0/0.0).
    """

    name: str = "damped"
    min_points: int = 6

    def fit(self, years: np.ndarray, y: np.ndarray, population: np.ndarray | None = None,
            population_future: PopulationFuture | None = None) -> FittedModel:
        t, v = _prepare(self.name, self.min_points, years, y)
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        model, res = _fit_quietly(
            self.name, "ETS", lambda: ETSModel(_annual_series(t, np.log(v)), error="add", trend="add", damped_trend=True),
            disp=False)
        params = _finite_params(self.name, model.param_names, res.params)
        params["converged"] = float(bool(getattr(res, "mle_retvals", {}).get("converged", True)))
        return FittedModel(self.name, params, int(t[-1]), _statsmodels_path(res, int(t[-1])))


@dataclass(frozen=True)
class ArimaLog:
    r"""ARIMA(p,1,q) with drift on log levels (statsmodels), default ARIMA(1,1,0).

    :math:`\Delta \ln y_t - \mu = \phi(\Delta \ln y_{t-1} - \mu) + \varepsilon_t`, forecast
    :math:`\Delta \ln \hat y_{T+k} = \mu + \phi^k(\Delta \ln y_T - \mu)`. Stationarity of
    :math:`\phi` is enforced, which keeps six-point fits well defined. Params: ``drift`` :math:`\mu`
    [log/yr], ``ar.L1`` :math:`\phi`, ``sigma2``.
    """

    name: str = "arima"
    min_points: int = 6
    order: tuple[int, int, int] = (1, 1, 0)

    def fit(self, years: np.ndarray, y: np.ndarray, population: np.ndarray | None = None,
            population_future: PopulationFuture | None = None) -> FittedModel:
        t, v = _prepare(self.name, self.min_points, years, y)
        from statsmodels.tsa.arima.model import ARIMA

        model, res = _fit_quietly(self.name, "ARIMA", lambda: ARIMA(_annual_series(t, np.log(v)), order=self.order, trend="t"))
        params = _finite_params(self.name, ["drift" if n == "x1" else str(n) for n in model.param_names], res.params)
        return FittedModel(self.name, params, int(t[-1]), _statsmodels_path(res, int(t[-1])))


def _fit_quietly(name: str, family: str, build: Callable[[], Any], **fit_kwargs: Any) -> tuple[Any, Any]:
    """Build a statsmodels model and fit it with its warnings silenced; failures -> ModelFitError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = build()
            return model, model.fit(**fit_kwargs)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        raise ModelFitError(f"{name}: {family} fit failed: {exc}") from exc


def _finite_params(name: str, names: Any, values: Any) -> dict[str, float]:
    """Named parameters as floats; ModelFitError if any is not finite."""
    params = {str(n): float(p) for n, p in zip(names, np.asarray(values), strict=True)}
    if not all(math.isfinite(p) for p in params.values()):
        raise ModelFitError(f"{name}: non-finite parameters")
    return params


def _statsmodels_path(res: Any, last_year: int) -> Callable[[np.ndarray], np.ndarray]:
    """Forecaster from a statsmodels results object fitted on log levels."""

    def path(future: np.ndarray) -> np.ndarray:
        steps = np.asarray(future, dtype=np.int64) - last_year
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = np.asarray(res.forecast(int(steps.max())), dtype=float)
        return np.exp(fc[steps - 1])

    return path


def _logistic_log(x: np.ndarray, log_k: float, r: float, t0: float) -> np.ndarray:
    return log_k - np.logaddexp(0.0, -r * (x - t0))


def _gompertz_log(x: np.ndarray, log_k: float, r: float, t0: float) -> np.ndarray:
    return log_k - np.exp(np.clip(-r * (x - t0), -700.0, 700.0))


@dataclass(frozen=True)
class _Saturation:
    """Shared fitting of a three-parameter saturation curve on the log scale (scipy curve_fit).

    The curve is fitted to per-capita values ``y / population`` when ``population`` is given
    (forecast = curve × ``population_future(years)``, or × the last population when that is
    None), otherwise to the levels. Least squares on ``ln`` values, matching the log errors the
    backtest scores. Bounds: ``floor_multiple`` × last value <= K <= ``cap_multiple`` × last value
    (default 1.05 and 10: a curve saturating below +5% is a different story, one above ten times
    today is indistinguishable from exponential growth on a short series); 0.001 <= r <= 3 [1/yr];
    t0 within 50 years before the first and 100 years after the last year. Several deterministic
    starts; the best converged one wins.
    """

    name: str = "saturation"
    min_points: int = 6
    floor_multiple: float = 1.05
    cap_multiple: float = 10.0

    def _curve(self, x: np.ndarray, log_k: float, r: float, t0: float) -> np.ndarray:
        raise NotImplementedError

    def _linearise(self, p: np.ndarray, k: float) -> np.ndarray:
        raise NotImplementedError

    def fit(self, years: np.ndarray, y: np.ndarray, population: np.ndarray | None = None,
            population_future: PopulationFuture | None = None) -> FittedModel:
        t, v = _prepare(self.name, self.min_points, years, y)
        if population is not None:
            pop = np.asarray(population, dtype=float)
            if pop.shape != v.shape or not np.all(np.isfinite(pop)) or np.any(pop <= 0):
                raise ValueError(f"{self.name}: population must be positive and match y")
            p = v / pop
        else:
            pop, p = None, v
        t_first = float(t[0])
        x, lp = t - t_first, np.log(p)
        lo = np.array([math.log(self.floor_multiple * p[-1]), 1e-3, -50.0])
        hi = np.array([math.log(self.cap_multiple * p[-1]), 3.0, x[-1] + 100.0])
        best: tuple[float, np.ndarray] | None = None
        last_exc: Exception | None = None
        from scipy.optimize import curve_fit

        for mult in (1.5, 3.0, 0.8 * self.cap_multiple):
            k0 = float(np.clip(mult * p[-1], np.exp(lo[0]) * 1.001, np.exp(hi[0]) * 0.999))
            slope, icpt = np.polyfit(x, self._linearise(p, k0), 1)
            r0 = float(np.clip(-slope, 0.01, 2.9))
            p0 = np.clip(np.array([math.log(k0), r0, icpt / r0]), lo + 1e-6, hi - 1e-6)
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    theta, _ = curve_fit(self._curve, x, lp, p0=p0, bounds=(lo, hi), method="trf",
                                         max_nfev=2000)
            except (RuntimeError, ValueError) as exc:
                last_exc = exc
                continue
            sse = float(np.sum((lp - self._curve(x, *theta)) ** 2))
            if math.isfinite(sse) and (best is None or sse < best[0] - 1e-12):
                best = (sse, theta)
        if best is None:
            raise ModelFitError(f"{self.name}: curve_fit failed: {last_exc}")
        log_k, r, t0 = (float(a) for a in best[1])
        k_level = math.exp(log_k)
        params = {"K": k_level, "r": r, "t0": t0 + t_first, "sigma": math.sqrt(best[0] / max(v.size - 3, 1)),
                  "K_over_last": k_level / float(p[-1]), "per_capita": float(pop is not None)}
        pop_last = float(pop[-1]) if pop is not None else 1.0
        curve = self._curve

        def path(future: np.ndarray) -> np.ndarray:
            level = np.exp(curve(future - t_first, log_k, r, t0))
            if pop is None:
                return level
            if population_future is None:
                return level * pop_last
            return level * np.asarray(population_future(future), dtype=float)

        return FittedModel(self.name, params, int(t[-1]), path)


@dataclass(frozen=True)
class Logistic(_Saturation):
    r"""Logistic saturation curve :math:`p_t = K / (1 + e^{-r (t - t_0)})` (per capita or level).

    ``K`` in the units of ``y`` (per person when ``population`` is given), ``r`` [1/yr],
    ``t0`` the inflection year. See :class:`_Saturation` for the fit and bounds.
    """

    name: str = "logistic"

    def _curve(self, x: np.ndarray, log_k: float, r: float, t0: float) -> np.ndarray:
        return _logistic_log(x, log_k, r, t0)

    def _linearise(self, p: np.ndarray, k: float) -> np.ndarray:
        return -np.log(np.maximum(k / p - 1.0, 1e-9))  # = r (t - t0)


@dataclass(frozen=True)
class Gompertz(_Saturation):
    r"""Gompertz saturation curve :math:`p_t = K \exp(-e^{-r (t - t_0)})` (per capita or level).

    ``K`` in the units of ``y`` (per person when ``population`` is given), ``r`` [1/yr],
    ``t0`` the inflection year (where :math:`p = K/e`). See :class:`_Saturation`.
    """

    name: str = "gompertz"

    def _curve(self, x: np.ndarray, log_k: float, r: float, t0: float) -> np.ndarray:
        return _gompertz_log(x, log_k, r, t0)

    def _linearise(self, p: np.ndarray, k: float) -> np.ndarray:
        return -np.log(np.log(np.maximum(k / p, 1.0 + 1e-9)))  # = r (t - t0)


@dataclass(frozen=True)
class GreyGM11:
    r"""Grey model GM(1,1) on levels (Deng 1982), the express-forecast literature's benchmark.

    With :math:`x^{(1)}_k = \sum_{j \le k} x^{(0)}_j` (AGO) and background values
    :math:`z_k = (x^{(1)}_k + x^{(1)}_{k-1})/2`, ``a`` and ``b`` solve the least-squares problem
    :math:`x^{(0)}_k = -a z_k + b`, k = 2..n. Time response
    :math:`\hat x^{(1)}_{k+1} = (x^{(0)}_1 - b/a) e^{-a k} + b/a`, restored
    :math:`\hat x^{(0)}_{k+1} = (1 - e^{a})(x^{(0)}_1 - b/a) e^{-a k}` (k = 0-based years since
    the first). Params: ``a`` (development coefficient, negative for growth), ``b`` (grey input),
    ``growth`` = :math:`e^{-a} - 1` [1/yr]. ``window`` (default 6; None = all points) fits on the
    last ``window`` points only, as the express-volume papers do (they fit a recent 5–8 years):
    on the national volume 2009–2023 the full-history fit misses by 33/46/63% at horizons 1/2/3,
    the 6-year window by 9/19/33%.
    """

    name: str = "gm11"
    min_points: int = 4
    window: int | None = 6

    def fit(self, years: np.ndarray, y: np.ndarray, population: np.ndarray | None = None,
            population_future: PopulationFuture | None = None) -> FittedModel:
        t, v = _prepare(self.name, self.min_points, years, y)
        if self.window is not None:
            t, v = t[-max(self.window, self.min_points):], v[-max(self.window, self.min_points):]
        x1 = np.cumsum(v)
        z = 0.5 * (x1[1:] + x1[:-1])
        design = np.column_stack([-z, np.ones_like(z)])
        (a, b), *_ = np.linalg.lstsq(design, v[1:], rcond=None)
        a, b = float(a), float(b)
        if not (math.isfinite(a) and math.isfinite(b)) or abs(a) < 1e-12:
            raise ModelFitError(f"{self.name}: degenerate development coefficient a={a}")
        c = (1.0 - math.exp(a)) * (float(v[0]) - b / a)
        t_first = int(t[0])
        params = {"a": a, "b": b, "growth": math.expm1(-a)}
        return FittedModel(self.name, params, int(t[-1]), lambda f: c * np.exp(-a * (f - t_first)))


def default_menu() -> list[ForecastModel]:
    """A fresh list of one instance per family, in the menu's order."""
    return [RandomWalkDrift(), LogLinear(), DampedTrend(), ArimaLog(), Logistic(), Gompertz(), GreyGM11()]
