"""The national monthly layer: aggregation, recovery, nowcasts that read every release, no look-ahead."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from helpers import levels

from expressim.calibration import monthly as M
from expressim.calibration import monthly_releases as R
from expressim.calibration.observations import load
from expressim.calibration.periods import parse_period

DATA = Path(__file__).resolve().parents[1] / "calibration" / "data"
HEADER = "geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
DATES = R.spring_festival_dates()


def test_spring_festival_dates_come_from_the_data_file_and_move_the_holiday_block() -> None:
    assert DATES[2025] == dt.date(2025, 1, 29) and DATES[2026] == dt.date(2026, 2, 17)
    assert R.holiday_months(2025, DATES) == (1, 2)
    # 2026-02-17 + 15 days reaches March: the holiday block of 2026 and of 2027 (compared with 2026) is Jan-Mar
    assert R.holiday_months(2026, DATES) == (1, 2, 3)
    assert R.blocks_of(2027, DATES)[0] == (1, 2, 3)
    assert R.blocks_of(2025, DATES)[0] == (1, 2) and len(R.blocks_of(2025, DATES)) == 11


def test_window_growth_is_the_weighted_mean_of_month_growths_to_second_order() -> None:
    """log(ΣV_t / ΣV_{t-12}) = Σ w_k G_k + O(dispersion²): measured on growths 5-25% a year."""
    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(200):
        prev = rng.uniform(80, 180, 12)
        g = rng.uniform(np.log(1.05), np.log(1.25), 12)
        exact = np.log((prev * np.exp(g)).sum() / prev.sum())
        w = R._weights(tuple(range(1, 13)), dict(enumerate(prev, start=1)))
        approx = sum(w[12 - m] * g[m - 1] for m in range(1, 13))
        worst = max(worst, abs(exact - approx))
        var = sum(w[12 - m] * (g[m - 1] - approx) ** 2 for m in range(1, 13))
        assert abs(exact - approx - var / 2) < 1e-3  # the second-order term is half the weighted variance
    assert worst < 2.5e-3  # under 0.25% of the level for growths spread over 5-25%


def _synthetic(tmp: Path, sd_eta: float, sd_eps: float, years: int = 12, seed: int = 3) -> Path:
    """Monthly single-month volumes with published year-on-year growth from the layer's own model."""
    rng = np.random.default_rng(seed)
    n = 12 * years
    level = 0.15 + np.cumsum(rng.normal(0, sd_eta, n))
    growth = level + rng.normal(0, sd_eps, n)
    lines = [HEADER]
    base = np.full(12, 100.0)
    for y in range(years):
        vals = base * np.exp(growth[12 * y:12 * y + 12])
        jf_g = np.log(vals[:2].sum() / base[:2].sum())
        lines.append(f"China,express_volume,{2000 + y}-01..02,{vals[:2].sum():.6f},亿件,{100 * np.expm1(jf_g):.6f},,\n")
        for m in range(3, 13):
            lines.append(f"China,express_volume,{2000 + y}-{m:02d},{vals[m - 1]:.6f},亿件,"
                         f"{100 * np.expm1(growth[12 * y + m - 1]):.6f},,\n")
        base = vals
    f = tmp / "synthetic.csv"
    f.write_text("".join(lines), encoding="utf-8")
    return f


def test_recovers_the_shock_sizes_of_synthetic_data(tmp_path: Path) -> None:
    obs = load([_synthetic(tmp_path, 0.01, 0.04, years=20)])
    data = {ind: R.year_data(obs, ind, "China") for ind in R.SERIES}
    o = R.growth_observations(data, 2000, {})
    fit = M.fit_monthly(o, max(x.t for x in o) + 1, 2000)
    assert fit.sd[2] == pytest.approx(0.04, rel=0.25)  # month deviation
    assert fit.sd[0] == pytest.approx(0.01, rel=0.5)  # growth level's monthly step


def test_kalman_matches_a_hand_computation_for_one_observation() -> None:
    """One block growth y at t=0 loads the growth level and the passing deviation: each moves by
    its prior variance over the innovation variance, times the innovation."""
    sd = np.array([0.02, 0.01, 0.05, 0.05, 0.03, 0.6])
    ll, a, P = M.kalman([R.Obs(0, 0, {0: 1.0}, 0.2)], 1, sd)
    p0, pu, h = M.INITIAL_VAR, 0.03**2 / (1 - 0.6**2), 0.05**2
    f = p0 + pu + h
    assert a[0] == pytest.approx(p0 / f * 0.2)
    assert a[2 * M.NS] == pytest.approx(pu / f * 0.2)
    assert P[0, 0] == pytest.approx(p0 - p0**2 / f)
    assert ll == pytest.approx(-0.5 * (np.log(2 * np.pi * f) + 0.04 / f))


def _layer(sd: np.ndarray, seed: int = 0, deviation: bool = True) -> M.MonthlyLayer:
    """A layer with a random filtered state (without ``deviation``: the passing deviation's part zero)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(M.N_STATES, M.N_STATES))
    mean, cov = rng.normal(0.1, 0.05, M.N_STATES), a @ a.T * 1e-4
    if not deviation:
        mean[2 * M.NS:] = 0.0
        cov[2 * M.NS:, :] = cov[:, 2 * M.NS:] = 0.0
    return M.MonthlyLayer(M.MonthlyFit(2020, 40, mean, cov, sd, 0.0, 10), {}, {})


@pytest.mark.parametrize("si", [0, 1])
def test_growth_moments_match_a_simulation_of_the_state_space(si: int) -> None:
    """Mean and covariance of the months ahead against 200,000 simulated paths of the transition."""
    sd = np.array([0.02, 0.01, 0.03, 0.02, 0.04, 0.7])
    layer = _layer(sd)
    h = 5
    mean, cov = layer._growth_moments(si, h)
    rng = np.random.default_rng(1)
    T, Q = M._system(sd)
    n = 200_000
    x = rng.multivariate_normal(layer.fit.mean, layer.fit.cov, size=n, method="eigh")
    g = np.empty((n, h))
    for j in range(h):
        x = x @ T.T + rng.multivariate_normal(np.zeros(M.N_STATES), Q, size=n, method="eigh")
        g[:, j] = x[:, 0] + x[:, 2 * M.NS] + (x[:, M.NS] if si else 0) + rng.normal(0, sd[2 + si], n)
    assert np.allclose(g.mean(axis=0), mean, atol=4 * np.sqrt(np.diag(cov) / n).max())
    assert np.allclose(np.cov(g.T), cov, rtol=0.03, atol=2e-5)


def test_without_a_passing_deviation_the_moments_are_the_local_level_closed_form() -> None:
    """ν → 0: E G_j = the filtered level, Cov(G_j, G_k) = Var ℓ + min(j, k) σ_η² + [j = k] σ_ε²."""
    sd = np.array([0.02, 0.01, 0.03, 0.02, 1e-9, 0.5])
    layer = _layer(sd, deviation=False)
    j = np.arange(1, 5)
    for si, idx in ((0, [0]), (1, [0, M.NS])):
        mean, cov = layer._growth_moments(si, 4)
        assert np.allclose(mean, layer.fit.mean[idx].sum())
        eta2 = sd[0] ** 2 + (sd[1] ** 2 if si else 0.0)
        expected = layer.fit.cov[np.ix_(idx, idx)].sum() + np.minimum.outer(j, j) * eta2 + np.eye(4) * sd[2 + si] ** 2
        assert np.allclose(cov, expected)


def test_recovers_the_persistence_of_a_passing_deviation(tmp_path: Path) -> None:
    """Synthetic growth = slow level + AR(1) deviation (ρ 0.7) + noise: ρ and the deviation's SD come back."""
    rng = np.random.default_rng(5)
    n = 12 * 20
    level = 0.15 + np.cumsum(rng.normal(0, 0.005, n))
    u = np.zeros(n)
    for t in range(1, n):
        u[t] = 0.7 * u[t - 1] + rng.normal(0, 0.04)
    growth = level + u + rng.normal(0, 0.01, n)
    lines = [HEADER]
    base = np.full(12, 100.0)
    for y in range(20):
        vals = base * np.exp(growth[12 * y:12 * y + 12])
        for m in range(1, 13):
            lines.append(f"China,express_volume,{2000 + y}-{m:02d},{vals[m - 1]:.6f},亿件,"
                         f"{100 * np.expm1(growth[12 * y + m - 1]):.6f},,\n")
        base = vals
    f = tmp_path / "ar.csv"
    f.write_text("".join(lines), encoding="utf-8")
    obs = load([f])
    data = {ind: R.year_data(obs, ind, "China") for ind in R.SERIES}
    o = R.growth_observations(data, 2000, {})
    fit = M.fit_monthly(o, max(x.t for x in o) + 1, 2000)
    assert fit.sd[5] == pytest.approx(0.7, abs=0.15)
    assert fit.sd[4] == pytest.approx(0.04, rel=0.3)


def _shipped(until: str):
    return load([DATA], until=until)


def test_a_known_jan_nov_gives_the_full_year_within_its_december() -> None:
    obs = _shipped("2025-11")
    layer = M.fit_layer(obs, "China")
    assert layer is not None and layer.year == 2025
    plan = layer.plan("express_volume")
    assert plan is not None and plan.n_known == 11
    total = plan.months(4000, np.random.default_rng(0)).sum(axis=1) / 1e8
    jan_nov = 1807.4  # the 2025-01..11 release
    assert np.all(total > jan_nov)
    q10, q50, q90 = np.quantile(total, [0.1, 0.5, 0.9])
    assert 1950 < q50 < 2030 and (q90 - q10) / q50 < 0.03  # one month to go: a narrow band


def test_every_release_narrows_the_rest_of_its_year() -> None:
    widths = []
    for until in ("2025-03", "2025-06", "2025-09", "2025-11"):
        plan = M.fit_layer(_shipped(until), "China").plan("express_volume")
        t = np.log(plan.months(4000, np.random.default_rng(0)).sum(axis=1))
        widths.append(np.quantile(t, 0.9) - np.quantile(t, 0.1))
    assert all(b < a for a, b in zip(widths, widths[1:], strict=False)), widths


def test_no_look_ahead_the_nowcast_reads_nothing_after_its_origin(tmp_path: Path) -> None:
    """Adding later releases to the files changes nothing at an origin before them."""
    a = M.fit_layer(_shipped("2025-06"), "China").plan("express_revenue")
    extra = tmp_path / "later.csv"
    extra.write_text(HEADER + "China,express_revenue,2025-07,99999,亿元,90,,\n", encoding="utf-8")
    b = M.fit_layer(load([DATA, extra], until="2025-06"), "China").plan("express_revenue")
    assert a == b


def test_a_higher_recent_month_raises_the_nowcast(tmp_path: Path) -> None:
    """Monotonicity: the same releases with a stronger last month give a higher full year."""
    base = _shipped("2025-09")
    lo = M.fit_layer(base, "China").plan("express_volume").months(2000, np.random.default_rng(0)).sum(axis=1)
    strong = tmp_path / "strong.csv"
    strong.write_text(HEADER + "China,express_volume,2025-09,180.0,亿件,30.0,,bulletin\n", encoding="utf-8")
    hi = M.fit_layer(load([DATA, strong], until="2025-09"), "China").plan("express_volume")
    hi_total = hi.months(2000, np.random.default_rng(0)).sum(axis=1)
    assert np.median(hi_total) > np.median(lo)


def test_the_plan_round_trips_through_its_dictionary() -> None:
    plan = M.fit_layer(_shipped("2025-08"), "China").plan("express_revenue")
    assert M.NowcastPlan.from_dict(plan.to_dict()) == plan
    w = plan.window(parse_period("2025-01..08"), 10, np.random.default_rng(0))
    assert np.allclose(w, w[0])  # the published part is known


def test_the_hierarchy_reads_the_exit_pace_2026_reflects_the_2025_slowdown() -> None:
    """With all of 2025, December's growth (2.3%) pulls next year's expected growth down."""
    from expressim.calibration.fit import fit_all

    f = fit_all(_shipped("2025-12"), levels=levels())
    d = f.annual_draws("China", "express_volume", [2025, 2026], 4000, np.random.default_rng(0))
    g = np.median(d[:, 1] / d[:, 0]) - 1
    assert 0.0 < g < 0.12, g


def test_a_provincial_window_with_a_national_twin_becomes_a_share() -> None:
    from expressim.calibration.fit import provincial_shares_of

    obs = _shipped("2025-12")
    out, replaced, notes = provincial_shares_of(obs, levels())
    h1 = [o for o in out.observations if o.geography == "Guizhou" and o.indicator == "express_volume_share"
          and str(o.period) == "2025-H1" and not o.derived]
    assert len(h1) == 1 and notes
    assert h1[0].value == pytest.approx(5.81 / 956.4, rel=1e-9)  # Guizhou H1 over China Jan-Jun 2025
    assert any(str(o.period) == "2025-H1" for o in replaced)
    # no provincial sub-year window with a national twin is left for the profile
    twins = {(o.indicator, o.period.window) for o in obs.observations if o.geography == "China" and not o.derived}
    assert not [o for o in out.observations if o.geography == "Guizhou" and o.period.kind != "year"
                and o.indicator in ("express_volume", "express_revenue") and (o.indicator, o.period.window) in twins]


def test_released_windows_stay_published_after_the_layers_take_them() -> None:
    """The hierarchy no longer reads national months or provincial halves, but a forecast of a
    released window still returns the release."""
    from expressim.calibration.fit import fit_all
    from expressim.calibration.window_forecast import forecast

    f = fit_all(_shipped("2025-12"), levels=levels())
    q = forecast(f, "China", "express_volume", "2024-Q1")["quantiles"]
    assert q["0.5"] == pytest.approx(371.1e8, rel=0.002)
    g = forecast(f, "Guizhou", "express_volume", "2025-H1")["quantiles"]
    assert g["0.5"] == pytest.approx(5.81e8, rel=0.01)
