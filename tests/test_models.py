"""Tests for calibration.models: parameter recovery, the GM(1,1) reference, failure modes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from expressim.calibration import models as M
from expressim.calibration.models import FittedModel, ModelFitError

REFERENCE = Path(__file__).parent / "reference" / "gm11_reference.json"
YEARS = np.arange(2005, 2021)  # 16 years


def _noisy(curve: np.ndarray, sd: float, seed: int) -> np.ndarray:
    """Multiply a curve by log-normal noise from an explicitly seeded Generator."""
    return curve * np.exp(np.random.default_rng(seed).normal(0.0, sd, curve.size))


@pytest.fixture(scope="module")
def growth15() -> np.ndarray:
    """15%/yr log-linear growth from 50 with 2% log noise."""
    return _noisy(50.0 * 1.15 ** (YEARS - 2005), 0.02, seed=20240601)


def test_loglinear_recovers_growth(growth15: np.ndarray) -> None:
    fit = M.LogLinear().fit(YEARS, growth15)
    assert fit.params["growth"] == pytest.approx(0.15, abs=0.01)
    assert fit.params["sigma"] == pytest.approx(0.02, abs=0.01)
    expected = math.exp(fit.params["intercept"] + fit.params["slope"] * (2021 - YEARS.mean()))
    assert fit.predict(1)[0] == pytest.approx(expected, rel=1e-12)


def test_rw_drift_recovers_drift(growth15: np.ndarray) -> None:
    fit = M.RandomWalkDrift().fit(YEARS, growth15)
    assert fit.params["drift"] == pytest.approx(math.log(1.15), abs=0.01)
    # forecast = last value times exp(h * drift)
    np.testing.assert_allclose(fit.predict(3), growth15[-1] * np.exp(fit.params["drift"] * np.arange(1, 4)))


def test_arima_recovers_drift(growth15: np.ndarray) -> None:
    fit = M.ArimaLog().fit(YEARS, growth15)
    assert fit.params["drift"] == pytest.approx(math.log(1.15), abs=0.02)
    assert abs(fit.params["ar.L1"]) < 1.0
    fc = fit.predict(3)
    np.testing.assert_allclose(np.diff(np.log(np.r_[growth15[-1], fc])), math.log(1.15), atol=0.05)


def test_damped_fits_and_damps(growth15: np.ndarray) -> None:
    fit = M.DampedTrend().fit(YEARS, growth15)
    assert 0.8 - 1e-9 <= fit.params["damping_trend"] <= 0.98 + 1e-9
    fc = fit.predict(5)
    steps = np.diff(np.log(fc))  # phi^h b_T: positive, shrinking by the factor phi each year
    assert np.all(steps > 0) and np.all(steps[1:] < steps[:-1])
    np.testing.assert_allclose(steps[1:] / steps[:-1], fit.params["damping_trend"], rtol=1e-6)
    assert steps[0] == pytest.approx(math.log(1.15), abs=0.05)


def test_damped_fit_failure_becomes_model_fit_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from statsmodels.tsa.exponential_smoothing import ets

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("optimizer exploded")

    monkeypatch.setattr(ets.ETSModel, "fit", broken)
    with pytest.raises(ModelFitError, match="ETS fit failed"):
        M.DampedTrend().fit(YEARS[:8], np.linspace(1.0, 3.0, 8))


def test_logistic_recovers_parameters() -> None:
    y = _noisy(500.0 / (1.0 + np.exp(-0.5 * (YEARS - 2016))), 0.005, seed=7)
    p = M.Logistic().fit(YEARS, y).params
    assert p["K"] == pytest.approx(500.0, rel=0.03)
    assert p["r"] == pytest.approx(0.5, rel=0.05)
    assert p["t0"] == pytest.approx(2016.0, abs=0.3)


def test_gompertz_recovers_parameters() -> None:
    y = _noisy(300.0 * np.exp(-np.exp(-0.3 * (YEARS - 2014))), 0.005, seed=11)
    p = M.Gompertz().fit(YEARS, y).params
    assert p["K"] == pytest.approx(300.0, rel=0.03)
    assert p["r"] == pytest.approx(0.3, rel=0.05)
    assert p["t0"] == pytest.approx(2014.0, abs=0.3)


def test_logistic_per_capita_uses_future_population() -> None:
    pop = 100.0 * 1.01 ** (YEARS - 2005)
    per_capita = 5.0 / (1.0 + np.exp(-0.4 * (YEARS - 2015)))

    def pop_future(t: np.ndarray) -> np.ndarray:
        return 100.0 * 1.01 ** (np.asarray(t) - 2005)

    fit = M.Logistic().fit(YEARS, per_capita * pop, population=pop, population_future=pop_future)
    assert fit.params["per_capita"] == 1.0
    assert fit.params["K"] == pytest.approx(5.0, rel=0.01)
    future = np.arange(2021, 2024)
    np.testing.assert_allclose(fit.predict(3), 5.0 / (1.0 + np.exp(-0.4 * (future - 2015))) * pop_future(future),
                               rtol=0.01)
    held = M.Logistic().fit(YEARS, per_capita * pop, population=pop)  # no future: hold the last population
    np.testing.assert_allclose(held.predict(3), fit.predict(3) / pop_future(future) * pop[-1], rtol=1e-9)


@pytest.mark.parametrize("family", [M.Logistic, M.Gompertz])
def test_saturation_level_is_bounded_on_exponential_growth(family: type[M.Logistic], growth15: np.ndarray) -> None:
    fit = family().fit(YEARS, growth15)
    assert 1.05 - 1e-9 <= fit.params["K_over_last"] <= 10.0 + 1e-9
    assert np.all(np.isfinite(fit.predict(10)))


def test_gm11_matches_hand_computed_reference() -> None:
    ref = json.loads(REFERENCE.read_text(encoding="utf-8"))
    fit = M.GreyGM11(window=None).fit(np.array(ref["years"]), np.array(ref["x0"]))
    assert fit.params["a"] == pytest.approx(ref["a"], rel=1e-9)
    assert fit.params["b"] == pytest.approx(ref["b"], rel=1e-9)
    np.testing.assert_allclose(fit.predict(len(ref["forecast"])), ref["forecast"], rtol=1e-9)
    np.testing.assert_allclose(fit.path(np.array(ref["fitted_years"])), ref["fitted_x0"], rtol=1e-9)


def test_gm11_recovers_its_own_time_response() -> None:
    # x0(k+1) = (1 - e^a)(x0(1) - b/a) e^{-ak}; on its own exponential GM(1,1) estimates
    # a' = -2(q-1)/(q+1) with q = e^{-a} (the trapezoid background value): within 0.1% of a.
    a, b, x_first = -0.1, 5.0, 20.0
    k = np.arange(10)
    x = (1.0 - math.exp(a)) * (x_first - b / a) * np.exp(-a * k)
    x[0] = x_first
    fit = M.GreyGM11(window=None).fit(np.arange(2010, 2020), x)
    assert fit.params["a"] == pytest.approx(a, rel=1e-3)
    assert fit.params["b"] == pytest.approx(b, rel=1e-3)
    expected = (1.0 - math.exp(a)) * (x_first - b / a) * np.exp(-a * np.arange(10, 13))
    np.testing.assert_allclose(fit.predict(3), expected, rtol=5e-3)


def test_gm11_window_uses_recent_points_only(growth15: np.ndarray) -> None:
    windowed = M.GreyGM11(window=6).fit(YEARS, growth15)
    last6 = M.GreyGM11(window=None).fit(YEARS[-6:], growth15[-6:])
    assert windowed.params == last6.params


@pytest.mark.parametrize("model", M.default_menu(), ids=lambda m: m.name)
def test_too_short_raises_model_fit_error(model: M.ForecastModel) -> None:
    n = model.min_points - 1
    with pytest.raises(ModelFitError):
        model.fit(np.arange(2000, 2000 + n), np.linspace(1.0, 2.0, n))


@pytest.mark.parametrize("model", M.default_menu(), ids=lambda m: m.name)
def test_minimal_series_fits_positive_finite_and_deterministic(model: M.ForecastModel) -> None:
    n = model.min_points
    t = np.arange(2015, 2015 + n)
    y = 10.0 * 1.3 ** np.arange(n) * np.exp(np.random.default_rng(3).normal(0, 0.03, n))
    first, second = model.fit(t, y), model.fit(t, y)
    fc = first.predict(4)
    assert fc.shape == (4,) and np.all(np.isfinite(fc)) and np.all(fc > 0)
    np.testing.assert_array_equal(fc, second.predict(4))
    assert first.params == second.params
    json.dumps(first.params)  # JSON-serialisable
    assert all(type(v) is float for v in first.params.values())


@pytest.mark.parametrize("model", M.default_menu(), ids=lambda m: m.name)
def test_malformed_input_raises_value_error(model: M.ForecastModel) -> None:
    with pytest.raises(ValueError, match="consecutive"):
        model.fit(np.array([2000, 2001, 2003, 2004, 2005, 2006, 2007]), np.arange(1.0, 8.0))
    with pytest.raises(ValueError, match="> 0"):
        model.fit(np.arange(2000, 2007), np.array([1.0, 2.0, 0.0, 4.0, 5.0, 6.0, 7.0]))


def test_predict_rejects_unusable_forecasts() -> None:
    bad = FittedModel("bad", {}, 2020, lambda t: np.full(np.shape(t), np.nan))
    with pytest.raises(ModelFitError):
        bad.predict(2)
    negative = FittedModel("neg", {}, 2020, lambda t: -np.ones(np.shape(t)))
    with pytest.raises(ModelFitError):
        negative.predict(1)
    with pytest.raises(ValueError):
        negative.predict(0)


def test_default_menu_is_fresh_and_complete() -> None:
    first, second = M.default_menu(), M.default_menu()
    assert first is not second
    names = [m.name for m in first]
    assert names == ["rw_drift", "loglinear", "damped", "arima", "logistic", "gompertz", "gm11"]
    assert {m.name: m.min_points for m in first} == {
        "rw_drift": 3, "loglinear": 3, "damped": 6, "arima": 6, "logistic": 6, "gompertz": 6, "gm11": 4}
