"""Distributions: quantiles and moments against closed forms and scipy, sampling, validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from expressim.calibration.distributions import (
    Distribution,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    as_distribution,
    open_uniform,
)

U = np.array([1e-9, 0.001, 0.025, 0.1, 0.3, 0.5, 0.7, 0.9, 0.975, 0.999, 1 - 1e-9])

# (distribution, frozen scipy equivalent)
CASES = [
    (Uniform(low=2.0, high=5.0), stats.uniform(loc=2.0, scale=3.0)),
    (Triangular(low=1.0, mode=3.0, high=8.0), stats.triang(c=2.0 / 7.0, loc=1.0, scale=7.0)),
    (Triangular(low=0.0, mode=0.0, high=4.0), stats.triang(c=0.0, loc=0.0, scale=4.0)),
    (Triangular(low=0.0, mode=4.0, high=4.0), stats.triang(c=1.0, loc=0.0, scale=4.0)),
    (Normal(mean=3.0, sd=2.0), stats.norm(loc=3.0, scale=2.0)),
    (Normal(mean=3.0, sd=2.0, low=0.0), stats.truncnorm(a=-1.5, b=np.inf, loc=3.0, scale=2.0)),
    (Normal(mean=3.0, sd=2.0, high=4.0), stats.truncnorm(a=-np.inf, b=0.5, loc=3.0, scale=2.0)),
    (Normal(mean=3.0, sd=2.0, low=1.0, high=9.0), stats.truncnorm(a=-1.0, b=3.0, loc=3.0, scale=2.0)),
    # whole interval deep in the upper tail (quantiles taken from survival probabilities)
    (Normal(mean=0.0, sd=1.0, low=6.0, high=7.0), stats.truncnorm(a=6.0, b=7.0)),
    (Normal(mean=0.0, sd=1.0, low=-7.0, high=-6.0), stats.truncnorm(a=-7.0, b=-6.0)),
    (LogNormal(median=4.0, sigma=0.5), stats.lognorm(s=0.5, scale=4.0)),
]
IDS = [f"{d.dist}-{i}" for i, (d, _) in enumerate(CASES)]


@pytest.mark.parametrize(("dist", "ref"), CASES, ids=IDS)
def test_ppf_matches_scipy(dist: Distribution, ref: stats.rv_continuous) -> None:
    np.testing.assert_allclose(dist.ppf(U), ref.ppf(U), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("dist", "ref"), CASES, ids=IDS)
def test_mean_var_match_scipy(dist: Distribution, ref: stats.rv_continuous) -> None:
    assert dist.mean() == pytest.approx(ref.mean(), rel=1e-9, abs=1e-12)
    assert dist.var() == pytest.approx(ref.var(), rel=1e-7, abs=1e-12)


def test_ppf_closed_forms() -> None:
    tri = Triangular(low=0.0, mode=1.0, high=2.0)
    np.testing.assert_allclose(tri.ppf([0.0, 0.125, 0.5, 0.875, 1.0]), [0.0, 0.5, 1.0, 1.5, 2.0])
    assert Uniform(low=-1.0, high=3.0).ppf(0.25) == pytest.approx(0.0)
    assert LogNormal(median=7.0, sigma=0.3).ppf(0.5) == pytest.approx(7.0)
    assert Normal(mean=5.0, sd=2.0).ppf(0.975) == pytest.approx(5.0 + 2.0 * 1.959963984540054)
    np.testing.assert_array_equal(Fixed(value=2.5).ppf(np.full((2, 3), 0.3)), np.full((2, 3), 2.5))
    assert Normal(mean=0.0, sd=1.0).ppf(np.array([[0.5]])).shape == (1, 1)


@pytest.mark.parametrize(("dist", "ref"), CASES, ids=IDS)
def test_sampled_moments(dist: Distribution, ref: stats.rv_continuous) -> None:
    """1e5 draws: sample mean and variance within 4 standard errors of mean() and var()."""
    n = 100_000
    x = dist.sample(np.random.default_rng(20230423), n)
    var = dist.var()
    kurt = float(ref.stats(moments="k"))  # excess kurtosis, for the variance's standard error
    se_mean = np.sqrt(var / n)
    se_var = np.sqrt((kurt + 2.0) * var**2 / n)
    assert abs(x.mean() - dist.mean()) < 4 * se_mean
    assert abs(x.var(ddof=1) - var) < 4 * se_var


def test_sample_is_ppf_of_open_uniforms_and_reproducible() -> None:
    d = LogNormal(median=2.0, sigma=1.0)
    a = d.sample(np.random.default_rng(5), (3, 4))
    b = d.ppf(open_uniform(np.random.default_rng(5), (3, 4)))
    assert a.shape == (3, 4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, d.sample(np.random.default_rng(6), (3, 4)))


def test_open_uniform_is_strictly_inside() -> None:
    u = open_uniform(np.random.default_rng(0), 200_000)
    assert u.min() > 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / u.size)


@settings(max_examples=200, deadline=None)
@given(
    mean=st.floats(-50, 50),
    sd=st.floats(0.01, 20),
    lo=st.floats(-6, 6),  # beyond ~7 sd the interval holds < 1e-12 and is rejected
    width=st.floats(0.05, 10),
    u=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20),
)
def test_truncated_normal_stays_in_bounds(
    mean: float, sd: float, lo: float, width: float, u: list[float]
) -> None:
    low, high = mean + lo * sd, mean + (lo + width) * sd
    d = Normal(mean=mean, sd=sd, low=low, high=high)
    x = d.ppf(np.array(u))
    assert np.all((x >= low) & (x <= high))
    assert np.all(np.diff(d.ppf(np.sort(u))) >= 0)
    assert low <= d.mean() <= high
    assert d.bounds() == (low, high)


def test_truncated_normal_samples_stay_in_bounds() -> None:
    d = Normal(mean=1.0, sd=3.0, low=0.0, high=2.0)
    x = d.sample(np.random.default_rng(1), 100_000)
    assert x.min() >= 0.0 and x.max() <= 2.0
    one_sided = Normal(mean=1.0, sd=3.0, low=0.5).sample(np.random.default_rng(2), 100_000)
    assert one_sided.min() >= 0.5


@settings(max_examples=100, deadline=None)
@given(u=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=30))
def test_ppf_is_monotone(u: list[float]) -> None:
    us = np.sort(np.array(u))
    for dist, _ in CASES:
        x = dist.ppf(us)  # -inf/+inf at u = 0/1 for unbounded laws
        assert np.all(np.diff(x[np.isfinite(x)]) >= 0)


def test_bounds_and_support() -> None:
    assert Fixed(value=3.0).bounds() == (3.0, 3.0)
    assert Uniform(low=1.0, high=2.0).bounds() == (1.0, 2.0)
    assert Triangular(low=1.0, mode=1.5, high=2.0).bounds() == (1.0, 2.0)
    lo, hi = Normal(mean=10.0, sd=2.0).bounds()
    assert lo == pytest.approx(stats.norm.ppf(0.001, 10, 2)) and hi == pytest.approx(
        stats.norm.ppf(0.999, 10, 2)
    )
    lo, hi = Normal(mean=10.0, sd=2.0, low=9.0).bounds()
    assert lo == 9.0 and np.isfinite(hi) and hi > 10.0
    lo, hi = LogNormal(median=1.0, sigma=1.0).bounds()
    assert lo == pytest.approx(np.exp(stats.norm.ppf(0.001))) and hi == pytest.approx(
        np.exp(stats.norm.ppf(0.999))
    )
    assert LogNormal(median=1.0, sigma=1.0).support() == (0.0, np.inf)
    assert Normal(mean=0.0, sd=1.0).support() == (-np.inf, np.inf)


def test_is_fixed() -> None:
    assert Fixed(value=1.0).is_fixed
    assert not any(d.is_fixed for d, _ in CASES)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dist": "uniform", "low": 2, "high": 2}, "need low < high"),
        ({"dist": "triangular", "low": 0, "mode": 5, "high": 4}, "low <= mode <= high"),
        ({"dist": "triangular", "low": 1, "mode": 1, "high": 1}, "low < high"),
        ({"dist": "normal", "mean": 0, "sd": 0}, "sd > 0"),
        ({"dist": "normal", "mean": 0, "sd": -1}, "sd > 0"),
        ({"dist": "normal", "mean": 0, "sd": 1, "low": 1, "high": 0}, "need low < high"),
        ({"dist": "normal", "mean": 0, "sd": 1, "low": 40}, "almost no probability"),
        ({"dist": "lognormal", "median": 0, "sigma": 1}, "median > 0"),
        ({"dist": "lognormal", "median": 1, "sigma": 0}, "sigma > 0"),
        ({"dist": "fixed", "value": 1, "sd": 2}, "Extra inputs are not permitted"),
        ({"dist": "fixed", "value": float("nan")}, "finite number"),
        ({"dist": "gamma", "shape": 2}, "does not match any of the expected tags"),
        ({"value": 3}, "Unable to extract tag using discriminator 'dist'"),
    ],
)
def test_validation_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        as_distribution(kwargs)


def test_frozen() -> None:
    d = Uniform(low=0.0, high=1.0)
    with pytest.raises(ValidationError):
        d.low = 0.5  # type: ignore[misc]


def test_ppf_rejects_probabilities_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Uniform(low=0.0, high=1.0).ppf([0.5, 1.2])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Fixed(value=1.0).ppf([np.nan])


def test_as_distribution() -> None:
    assert as_distribution(3) == Fixed(value=3.0)
    assert as_distribution(np.float64(2.5)) == Fixed(value=2.5)
    tri = Triangular(low=6, mode=12, high=24, unit="months", source="assumption: analyst")
    assert as_distribution(tri) is tri
    d = as_distribution({"dist": "normal", "mean": 2, "sd": 1, "low": 0, "unit": "months"})
    assert isinstance(d, Normal) and d.mean_ == 2.0 and d.unit == "months"
    with pytest.raises(TypeError):
        as_distribution(True)
    with pytest.raises(TypeError):
        as_distribution("3")


def test_round_trip_through_dump() -> None:
    adapter: TypeAdapter[Distribution] = TypeAdapter(Distribution)
    for dist, _ in CASES:
        dumped = dist.model_dump()
        assert "mean_" not in dumped  # the normal's mean is dumped under its YAML key
        assert adapter.validate_python(dumped) == dist
        assert adapter.validate_json(dist.model_dump_json()) == dist


def test_assumption_register_parses() -> None:
    """Every entry of the shipped assumption register is a valid distribution."""
    path = Path(__file__).resolve().parents[1] / "calibration" / "data" / "assumptions.yaml"
    assert path.is_file(), f"the assumption register {path} is missing (it ships with the package)"
    register = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, entry in register.items():
        d = as_distribution(entry)
        assert np.all(np.isfinite(d.bounds())), key
