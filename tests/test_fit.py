"""Calibration end to end: the hierarchy state space on the shipped data, forecasts of any window, local data."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import levels

from expressim.calibration.fit import annual_series, fit_all
from expressim.calibration.observations import load
from expressim.calibration.periods import parse_period
from expressim.calibration.seasonality import fit_profile
from expressim.calibration.window_forecast import forecast

HEADER = "geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"


# ``observations`` (the shipped data) and ``fitted`` (its calibration by fit_all) come from conftest.py


def test_scope_break_rebases_earlier_levels(observations) -> None:
    s = annual_series(observations, "China", "express_volume")
    years = list(s.years)
    (year, ratio), = s.breaks
    assert year == 2024 and ratio == pytest.approx(1750.8e8 / 1.215 / 1320.7e8, rel=1e-6)  # the bulletin row: +21.5%
    # chain-linked: 2024 over 2023 equals the published growth rate (21.5%, the bulletin's)
    assert s.values[years.index(2024)] / s.values[years.index(2023)] == pytest.approx(1.215, rel=1e-9)
    assert s.values[years.index(2022)] / s.values[years.index(2021)] == pytest.approx(1105.8 / 1083.0, rel=1e-9)


def test_seasonal_profile_recovers_a_planted_profile() -> None:
    rng = np.random.default_rng(3)
    w = 1 + 0.3 * np.cos(2 * np.pi * (np.arange(12) - 10) / 12)
    w /= w.sum()
    pairs = []
    for first in range(12):
        for last in range(first, 12):
            share = w[first:last + 1].sum()
            pairs.append((parse_period(f"2020-{first + 1:02d}..{last + 1:02d}") if last > first
                          else parse_period(f"2020-{first + 1:02d}"), share * np.exp(0.005 * rng.standard_normal()), 0.0))
    prof = fit_profile(pairs, smooth=0.01)
    np.testing.assert_allclose(prof.weights, w, rtol=0.03)
    assert prof.resid_sd < 0.01


def test_guizhou_fitted_from_partial_year_releases_reproduces_them(fitted) -> None:
    # Guizhou has no full-year figure; the fitted Jan-Oct 2024 window must bracket the published 7.79亿
    rng = np.random.default_rng(0)
    d = fitted.window_draws("Guizhou", "express_volume", parse_period("2024-01..10"), 20000, rng)
    lo, hi = np.quantile(d, [0.05, 0.95])
    assert lo < 7.79e8 < hi
    assert hi / lo < 1.5


def test_forecast_json_contract(fitted) -> None:
    out = forecast(fitted, "China", "express_volume", "2025")
    q = [out["quantiles"][k] for k in ("0.05", "0.1", "0.25", "0.5", "0.75", "0.9", "0.95")]
    assert out["unit"] == "件" and all(a <= b for a, b in zip(q, q[1:], strict=False))
    assert 1.5e11 < out["quantiles"]["0.5"] < 3.0e11
    h1 = forecast(fitted, "Guizhou", "express_volume", "2025-H1")
    full = forecast(fitted, "Guizhou", "express_volume", "2025")
    assert h1["quantiles"]["0.5"] < full["quantiles"]["0.5"]


def test_bijie_inout_is_collected_plus_delivered(fitted) -> None:
    rng = np.random.default_rng(1)
    a = fitted.annual_draws("Bijie", "express_volume_inout", [2025], 100, np.random.default_rng(1))
    b = fitted.annual_draws("Bijie", "express_volume", [2025], 100, rng)
    c = fitted.annual_draws("Bijie", "express_volume_inbound", [2025], 100, np.random.default_rng(1))
    np.testing.assert_allclose(a, b + c)


def test_local_bijie_data_moves_and_narrows_the_interval(tmp_path, observations, fitted) -> None:
    """An analyst's own Bijie figure pulls the posterior toward it and narrows the interval."""
    base = forecast(fitted, "Bijie", "express_volume", "2024")
    local = tmp_path / "bijie_local.csv"
    local.write_text(HEADER + "Bijie,express_volume(快递业务量),2023,1.20,亿件,,analyst,synthetic test figure\n",
                     encoding="utf-8")
    data_dir = observations.files[0].rsplit("/", 1)[0]
    new = fit_all(load([data_dir, local]), levels=levels())
    after = forecast(new, "Bijie", "express_volume", "2024")
    width = lambda f: np.log(f["quantiles"]["0.95"] / f["quantiles"]["0.05"])  # noqa: E731
    assert width(after) < 0.8 * width(base)
    assert after["quantiles"]["0.5"] > base["quantiles"]["0.5"]  # 1.2亿 is above the prior median
    assert any(r["geography"] == "Bijie" for r in new.moved) and not any(r["geography"] == "Bijie" for r in fitted.moved)


def test_until_removes_later_data_and_shifts_the_origin() -> None:
    early = fit_all(load(until="2022"), levels=levels())
    assert early.last_year == 2022
    assert all(o.period.last <= parse_period("2022").last for o in load(until="2022").observations
               if o.period.kind != "approx")


def test_artefact_round_trip_gives_the_same_forecasts(fitted) -> None:
    """The cache's .npz + JSON artefact (no pickle) restores an equal calibration."""
    from expressim.calibration import artefact

    back = artefact.loads(artefact.dumps(fitted))
    for geo, ind, per in (("China", "express_revenue", "2026"), ("Bijie", "express_volume_inout", "2025-Q3"),
                          ("Guizhou", "express_volume", "2024-01..10")):
        assert forecast(back, geo, ind, per, n=2000) == forecast(fitted, geo, ind, per, n=2000)
    assert back.published == fitted.published and back.moved == fitted.moved
