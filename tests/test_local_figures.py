"""A local figure the analyst adds is reproduced by the engine, not counted twice (issue 18, section 1).

The region's calibrated path up to its last published figure is its history as counted, with the
infrastructure open at the time inside it; the engine divides each replication's plan multiplier by
its own value in those years (``model.engine.demand.anchor_scale``) and keeps each figure's deviation
from the model's quantity (``Fitted._counted``), so the simulated history is the figure within its
rounding in every replication, and only openings after the last figure add parcels.

The figures below (3.2亿 in+out in 2024, 3.8亿 in 2025, ...) are hypothetical analyst rows, as in the
issue; the test checks reproduction, not the figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import PLAN, ROOT, cli, levels

from expressim.calibration.fit import fit_all
from expressim.calibration.observations import default_data_dir, load
from expressim.model.engine import ensemble
from expressim.model.engine.demand import DemandInputs, simulate_demand
from expressim.model.engine.oracle.reference import simulate_reference
from expressim.model.engine.simulate import anchor_index, annual_sum, baseline_annual, rollout_for
from expressim.model.spec.scenario import load as load_scenario

HEADER = "geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
N = 1000


def fit_with(tmp: Path, rows: list[str]) -> Any:
    """The shipped data plus the analyst's rows, calibrated."""
    path = tmp / "mine.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return fit_all(load([default_data_dir(), path]), levels=levels())


def forecast_q(fitted: Any, indicator: str, year: int) -> dict[str, float]:
    from expressim.calibration.window_forecast import forecast

    return {k: v for k, v in forecast(fitted, "Bijie", indicator, str(year), n=20000, seed=1)["quantiles"].items()}


def run_plan(fitted: Any, scenario: Path = PLAN) -> tuple[Any, Any, dict[str, Any]]:
    comp, draws = ensemble.prepare(load_scenario(scenario), fitted, replications=N, seed=5)
    return comp, draws, ensemble.execute(comp, fitted, draws)


def log_width(q05: float, q95: float) -> float:
    return float(np.log(q95 / q05))


@pytest.fixture(scope="module")
def one_2024(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return fit_with(tmp_path_factory.mktemp("one"), ["Bijie,express_volume_inout,2024,3.2,亿件,,,analyst"])


def test_the_region_has_an_anchor_only_with_its_own_figure(fitted: Any, one_2024: Any) -> None:
    assert fitted.local_anchor_year is None  # the shipped data hold no figure of the region's parcels
    assert one_2024.local_anchor_year == 2024


def test_inout_2024_reproduced_in_every_replication(one_2024: Any) -> None:
    comp, draws, raw = run_plan(one_2024)
    j = comp.years.index(2024)
    inout = raw["metrics"]["parcels_inout"][:, j]
    assert abs(np.median(inout) / 3.2e8 - 1) < 0.02
    # demand (before the capacity limit) is the calibration's counted path exactly, replication by replication
    inp = DemandInputs(baseline_annual(one_2024, comp, draws), one_2024.profile.weights, comp.pop_shares,
                       comp.urban_index, comp.project_county, comp.kinds, anchor_index(one_2024, comp))
    dem = simulate_demand(inp, rollout_for(comp, draws), draws.params, draws.z_county, comp.n_months)
    demand = annual_sum(dem["demand"].sum(axis=1).transpose(0, 2, 1))[:, :, j].sum(axis=1)
    col, dlv = one_2024.local_paths(comp.years, draws.u_events["baseline"])
    np.testing.assert_allclose(demand, col[:, j] + dlv[:, j], rtol=1e-9)
    # the engine's only noise on the city's year: the capacity limit moving parcels across months (a backlog
    # from 2023 handled in 2024, or 2024's parcels waiting into 2025); no other noise touches the city total
    noise = np.abs(np.log(demand / inout))
    q = forecast_q(one_2024, "express_volume_inout", 2024)
    run_w = log_width(*np.quantile(inout, [0.05, 0.95]))
    assert run_w <= log_width(q["0.05"], q["0.95"]) + float(np.quantile(noise, 0.95)) + 0.01
    assert np.quantile(noise, 0.95) < 0.01


def test_only_openings_after_the_figure_add_parcels(one_2024: Any, tmp_path: Path) -> None:
    """2025 of the plan sits above 2025 without new infrastructure, which equals the forecast."""
    _, _, plan = run_plan(one_2024)
    _, _, none = run_plan(one_2024, ROOT / "scenarios" / "no_new_infrastructure.yaml")
    j = 2  # 2025
    q = forecast_q(one_2024, "express_volume_inout", 2025)
    base = none["metrics"]["parcels_inout"][:, j]
    assert abs(np.median(base) / q["0.5"] - 1) < 0.02
    assert abs(np.quantile(base, 0.05) / q["0.05"] - 1) < 0.03 and abs(np.quantile(base, 0.95) / q["0.95"] - 1) < 0.03
    uplift = plan["metrics"]["parcels_inout"][:, j] / base  # common random numbers
    assert np.median(uplift) > 1.0


def test_a_2025_figure_lies_inside_the_2025_band(tmp_path: Path) -> None:
    fitted = fit_with(tmp_path, ["Bijie,express_volume_inout,2024,3.2,亿件,,,analyst",
                                 "Bijie,express_volume_inout,2025,3.8,亿件,,,analyst"])
    _, _, raw = run_plan(fitted)
    for j, value in ((1, 3.2e8), (2, 3.8e8)):
        x = raw["metrics"]["parcels_inout"][:, j]
        lo, mid, hi = np.quantile(x, [0.05, 0.5, 0.95])
        assert lo <= value <= hi and abs(mid / value - 1) < 0.02


@pytest.mark.parametrize(("indicator", "metric", "value", "unit"), [
    ("express_volume", "parcels_out", 0.65e8, "件"),
    ("express_volume_inbound", "parcels_in", 2.6e8, "件"),
    ("express_revenue", "revenue", 7.5e8, "元"),
])
def test_collected_delivered_and_revenue_figures_alike(tmp_path: Path, indicator: str, metric: str, value: float,
                                                       unit: str) -> None:
    fitted = fit_with(tmp_path, [f"Bijie,{indicator},2024,{value:.0f},{unit},,,analyst"])
    comp, _, raw = run_plan(fitted)
    x = raw["metrics"][metric][:, comp.years.index(2024)]
    q = forecast_q(fitted, indicator, 2024)
    assert abs(np.median(x) / value - 1) < 0.02
    lo, hi = np.quantile(x, [0.05, 0.95])
    assert log_width(lo, hi) <= log_width(q["0.05"], q["0.95"]) + 0.02


def test_reference_engine_agrees_with_an_anchor(one_2024: Any) -> None:
    comp, draws = ensemble.prepare(load_scenario(PLAN), one_2024, replications=20, seed=3)
    vec = ensemble.execute(comp, one_2024, draws)
    ref = simulate_reference(comp, one_2024, draws)
    for k in ("parcels_out", "parcels_in", "revenue", "jobs"):
        np.testing.assert_allclose(ref["metrics"][k], vec["metrics"][k], rtol=1e-9, err_msg=k)
    np.testing.assert_allclose(ref["baseline_monthly"], vec["baseline_monthly"], rtol=1e-9)


def test_forecast_says_what_it_forecasts(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(HEADER + "Bijie,express_volume_inout,2024,3.2,亿件,,,analyst\n", encoding="utf-8")
    data = str(default_data_dir())
    rc, out, _ = cli("forecast", "--geography", "Bijie", "--indicator", "express_volume_inout", "--period", "2025",
                     "--data", data, "--data", str(path))
    assert rc == 0 and "without the plan" in out and "2024" in out
    rc, out, _ = cli("forecast", "--geography", "Bijie", "--indicator", "express_volume_inout", "--period", "2024",
                     "--data", data, "--data", str(path), "--json")
    assert rc == 0 and "history" in out
