"""The hierarchy state-space model: Kalman mechanics, parameter recovery, paths, nowcasts, local data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import levels
from scipy.stats import spearmanr

from expressim.calibration.fit import fit_all
from expressim.calibration.observations import Observation, ObservationSet, load
from expressim.calibration.periods import parse_period
from expressim.calibration.statespace import IX, SHOCKS, M, Priors, make_model, system
from expressim.calibration.window_forecast import forecast

REF = Path(__file__).parent / "reference" / "kalman_update_reference.json"
HEADER = "geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"


def test_one_partial_year_observation_is_a_kalman_update() -> None:
    """The filtered national level and growth after one Q1 release equal the hand computation."""
    ref = json.loads(REF.read_text(encoding="utf-8"))
    p, ini, ob = ref["params"], ref["initial"], ref["observation"]
    tau = float(np.hypot(p["sigma_a"], p["sigma_g"]))
    params = np.array([p["mu"], p["phi"], tau, p["sigma_a"] ** 2 / tau**2, 0.03, 0.01, 0.05, 0.0])
    mean0 = np.zeros(M)
    cov0 = np.eye(M) * 0.01
    mean0[IX["a"]], mean0[IX["g"]] = ini["a"], ini["g"]
    cov0[IX["a"], IX["a"]], cov0[IX["g"], IX["g"]] = ini["var_a"], ini["var_g"]
    endog = np.full((2, 1), np.nan)
    endog[1, 0] = ob["log_value"]
    design = np.zeros((1, M, 2))
    design[0, IX["a"], :] = 1.0
    intercept = np.full((1, 2), np.log(ob["share"]))
    var = np.full((1, 2), ob["variance"])
    model = make_model(endog, design, intercept, var, mean0, cov0, Priors(local_sigma={"c": 0.05, "v": 0.05, "p": 0.03}))
    # statsmodels' initial state is the state of the first period: advance the reference's x0 by one step
    F, c, L = system(params, {"c": 0.05, "v": 0.05, "p": 0.03})
    res = model.filter(params, return_ssm=True)
    x1 = np.asarray(res.filtered_state)[:, 0]
    assert x1[IX["a"]] == pytest.approx(ini["a"])  # nothing observed in the first period
    got = np.asarray(res.filtered_state)[:, 1]
    cov = np.asarray(res.filtered_state_cov)[:, :, 1]
    f = ref["filtered"]
    assert got[IX["a"]] == pytest.approx(f["a"], rel=1e-10)
    assert got[IX["g"]] == pytest.approx(f["g"], rel=1e-10)
    assert cov[IX["a"], IX["a"]] == pytest.approx(f["var_a"], rel=1e-8)
    assert cov[IX["g"], IX["g"]] == pytest.approx(f["var_g"], rel=1e-8)
    assert cov[IX["a"], IX["g"]] == pytest.approx(f["cov_ag"], rel=1e-8)
    assert L[IX["a"], SHOCKS.index("g")] == pytest.approx(p["sigma_g"]) and F[IX["a"], IX["g"]] == p["phi"]
    assert L[IX["a"], SHOCKS.index("a")] == pytest.approx(p["sigma_a"]) and c[IX["g"]] > 0


def _simulated_national(seed: int, years: range, params: np.ndarray) -> ObservationSet:
    """Annual national volume and revenue simulated from the model itself (1% noise)."""
    rng = np.random.default_rng(seed)
    F, c, L = system(params, {"c": 0.05, "v": 0.05, "p": 0.03})
    x = np.zeros(M)
    x[IX["a"]], x[IX["g"]], x[IX["r"]], x[IX["rd"]] = 20.0, 0.15, 3.0, -0.03
    rows = []
    for y in years:
        for ind, lvl in (("express_volume", x[IX["a"]]), ("express_revenue", x[IX["a"]] + x[IX["r"]])):
            rows.append(Observation("China", ind, parse_period(str(y)), float(np.exp(lvl + 0.01 * rng.standard_normal())),
                                    "件" if ind == "express_volume" else "元"))
        x = F @ x + c + L @ rng.standard_normal(len(SHOCKS))
    return ObservationSet(tuple(rows))


def test_parameters_are_recovered_from_data_simulated_by_the_model() -> None:
    truth = np.array([0.06, 0.7, 0.045, 0.2, 0.03, 0.01, 0.05, -0.5])
    est = []
    for seed in (1, 2):
        f = fit_all(_simulated_national(seed, range(1950, 2030), truth), levels=levels())
        est.append(f.hier.params)
    e = np.mean(est, axis=0)
    assert e[0] == pytest.approx(truth[0], abs=0.03)  # long-run growth
    assert e[1] == pytest.approx(truth[1], abs=0.2)  # persistence
    assert e[2] == pytest.approx(truth[2], rel=0.4)  # national one-year shock SD
    assert e[4] == pytest.approx(truth[4], rel=0.5)  # revenue-per-parcel shock SD
    assert e[7] < 0  # the sign of the correlation


@pytest.fixture(scope="module")
def shipped(fitted: Any) -> Any:
    return fitted


def test_paths_have_year_to_year_shocks(shipped: Any) -> None:
    years = list(range(shipped.last_year, shipped.last_year + 7))
    x = shipped.annual_draws("China", "express_volume", years, 4000, np.random.default_rng(2))
    g = np.diff(np.log(x), axis=1)
    assert spearmanr(g[:, 1], g[:, 5])[0] < 0.6
    b = shipped.annual_draws("Bijie", "express_volume_inout", years, 4000, np.random.default_rng(2))
    gb = np.diff(np.log(b), axis=1)
    assert spearmanr(gb[:, 1], gb[:, 5])[0] < 0.9


def test_national_volume_rarely_falls_next_year(shipped: Any) -> None:
    y = shipped.last_year
    x = shipped.annual_draws("China", "express_volume", [y, y + 1], 20000, np.random.default_rng(3))
    # 4.4% on the data to 2024; 16.9% on the data to 2025-12, whose December grew 2.3% (the exit
    # pace, read as 2025's growth state) after a year of slowing: a fall in 2026 is no longer remote
    assert np.mean(x[:, 1] < x[:, 0]) < 0.25


def _without(obs: ObservationSet, drop: Any) -> ObservationSet:
    from dataclasses import replace

    return replace(obs, observations=tuple(o for o in obs.observations if not drop(o)))


def test_nowcast_returns_the_observed_window_and_narrows_the_year(observations: Any) -> None:
    f = fit_all(load([observations.files[0].rsplit("/", 1)[0]], until="2024-10"), levels=levels())
    q = forecast(f, "China", "express_volume", "2024-Q1")["quantiles"]
    assert q["0.5"] == pytest.approx(371.1e8, rel=0.02) and q["0.1"] <= 371.1e8 <= q["0.9"]
    g = forecast(f, "Guizhou", "express_volume", "2024")["quantiles"]
    assert g["0.9"] / g["0.1"] <= 1.15
    year = forecast(f, "China", "express_volume", "2024")["quantiles"]
    nxt = forecast(f, "China", "express_volume", "2025")["quantiles"]
    assert year["0.9"] / year["0.1"] < nxt["0.9"] / nxt["0.1"]  # the released quarter narrows its own year


def test_local_trend_is_continued(tmp_path: Path, observations: Any) -> None:
    data = observations.files[0].rsplit("/", 1)[0]
    med = {}
    for name, rate in (("steep", 1.25), ("flat", 1.10)):
        f = tmp_path / f"{name}.csv"
        f.write_text(HEADER + "".join(f"Bijie,express_volume,{y},{4500 * 1.25**5 / rate ** (2024 - y):.1f},万件,,,synthetic\n"
                                      for y in range(2019, 2025)), encoding="utf-8")
        q = forecast(fit_all(load([data, f]), levels=levels()), "Bijie", "express_volume", "2025")["quantiles"]
        med[name] = q["0.5"]
        if name == "steep":
            assert q["0.5"] == pytest.approx(4500e4 * 1.25**6, rel=0.10)
            assert q["0.9"] / q["0.1"] <= 1.6
    assert med["steep"] > med["flat"]


def test_no_look_ahead(tmp_path: Path, observations: Any) -> None:
    """Rows after the origin never change a forecast: --until equals data that stop at the origin."""
    import csv

    src = Path(observations.files[0]).parent
    kept = tmp_path / "cut"
    kept.mkdir()
    for f in sorted(src.glob("*.csv")):
        with f.open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or "geography" not in rows[0]:
            continue
        with (kept / f.name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(r for r in rows if r["geography"] == "China" and r["period"][:4].isdigit()
                        and int(r["period"][:4]) <= 2018)
    a = fit_all(load([kept], until="2018"), levels=levels())
    full = tmp_path / "full"
    full.mkdir()
    for f in kept.glob("*.csv"):
        (full / f.name).write_text(f.read_text(encoding="utf-8") + "China,express_volume,2019,9999,亿件,,,future\n",
                                   encoding="utf-8")
    b = fit_all(load([full], until="2018"), levels=levels())
    for ind in ("express_volume", "express_revenue"):
        assert forecast(a, "China", ind, "2020") == forecast(b, "China", ind, "2020")


def test_an_unusable_observation_is_named_and_calibrate_says_what_each_moved(tmp_path: Path, observations: Any) -> None:
    """A row the model has no equation for gets one warning line naming it; calibrate writes the what-moved table."""
    import csv

    from helpers import cli

    data = observations.files[0].rsplit("/", 1)[0]
    extra = tmp_path / "extra.csv"
    extra.write_text(HEADER + "China,express_volume_inbound,2023,1300,亿件,,,not modelled nationally\n"
                     + "Bijie,express_revenue,2024,5.00,亿元,,,synthetic\n", encoding="utf-8")
    rc, out, err = cli("forecast", "--data", data, "--data", str(extra), "--geography", "Bijie", "--indicator",
                       "express_revenue", "--period", "2024", "--json")
    assert rc == 0
    assert [ln for ln in err.splitlines() if "not used" in ln and "China/express_volume_inbound/2023" in ln]
    assert json.loads(out)["quantiles"]["0.5"] == pytest.approx(5e8, rel=0.05)  # Bijie revenue is in the likelihood
    rc, out, err = cli("calibrate", "--data", data, "--data", str(extra), "--out", str(tmp_path / "cal"))
    assert rc == 0 and "what moved" in out and "what moved" not in err  # results on stdout
    with (tmp_path / "cal" / "what_moved.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    bijie = [r for r in rows if r["geography"] == "Bijie" and r["indicator"] == "express_revenue"]
    assert len(bijie) == 1 and abs(float(bijie[0]["Bijie express_volume_inout 2026 %"])) > 0.1
