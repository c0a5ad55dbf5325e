"""Engine: vectorised == reference, reproducibility, common random numbers, monotonicity, conservation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from expressim.model.engine import ensemble, rollout
from expressim.model.engine.demand import DemandInputs, simulate_demand
from expressim.model.engine.oracle.reference import simulate_reference
from expressim.model.engine.parameters import Draws, make_draws, resolve
from expressim.model.engine.simulate import Compiled, baseline_annual, flatten_outputs, rollout_for
from expressim.model.spec.regions import load_pack
from expressim.model.spec.scenario import Scenario
from expressim.model.spec.scenario import load as load_scenario

RTOL = 1e-9


@pytest.fixture(scope="module")
def plan() -> Scenario:
    return load_scenario("scenarios/plan.yaml")


def edited(scn: Scenario, **changes: Any) -> Scenario:
    """A re-validated copy of ``scn`` with some top-level keys replaced."""
    return Scenario.model_validate({**scn.model_dump(), **changes})


def no_projects(scn: Scenario) -> Scenario:
    """``scn`` without infrastructure projects (and without the targets about them)."""
    return edited(
        scn, projects=[], resources=[], targets=[t.model_dump() for t in scn.targets if not t.projects]
    )


def assert_same_outputs(a: dict[str, Any], b: dict[str, Any], rtol: float = RTOL) -> None:
    la, lb = flatten_outputs(a), flatten_outputs(b)
    assert set(la) == set(lb)
    for k in la:
        assert la[k].shape == lb[k].shape, k
        np.testing.assert_allclose(lb[k], la[k], rtol=rtol, atol=0.0, equal_nan=True, err_msg=k)


def demand_outputs(comp: Compiled, fitted: Any, draws: Draws) -> dict[str, np.ndarray]:
    """The demand model's full output (what ``simulate_chunk`` computes before summarising)."""
    inp = DemandInputs(
        baseline_annual(fitted, comp, draws),
        fitted.profile.weights,
        comp.pop_shares,
        comp.urban_index,
        comp.project_county,
        comp.kinds,
    )
    return simulate_demand(inp, rollout_for(comp, draws), draws.params, draws.z_county, comp.n_months)


# ---- vectorised engine == reference engine ---------------------------------------------------------


def test_reference_matches_vectorised_on_plan(plan: Scenario, fitted: Any) -> None:
    comp, draws = ensemble.prepare(plan, fitted, replications=50, seed=11)
    vec = ensemble.execute(comp, fitted, draws)
    ref = simulate_reference(comp, fitted, draws)
    assert_same_outputs(vec, ref)
    assert np.any(np.diff(vec["metrics"]["parcels_inout"], axis=1) != 0)


def test_reference_matches_vectorised_without_projects(plan: Scenario, fitted: Any) -> None:
    comp, draws = ensemble.prepare(no_projects(plan), fitted, replications=30, seed=12)
    vec = ensemble.execute(comp, fitted, draws)
    assert vec["opening"].shape == (30, 0)
    assert_same_outputs(vec, simulate_reference(comp, fitted, draws))


def test_reference_matches_vectorised_with_hub_and_two_centres_in_a_county(
    plan: Scenario, fitted: Any
) -> None:
    # the plan's hub opens after the horizon: move it two years earlier so its uplift acts, and
    # give Qianxi a second centre so "a county's centre opens with its first centre" is exercised
    qianxi = next(p for p in plan.projects if p.id == "centre_qianxi").model_dump()
    scn = edited(
        plan, projects=[*(p.model_dump() for p in plan.projects), {**qianxi, "id": "centre_qianxi_b"}]
    )
    pack = load_pack(scn.region_pack)
    base = ensemble.compile_scenario(scn, pack).projects
    comp, draws = ensemble.prepare(
        scn, fitted, replications=40, seed=13, pack=pack, projects=rollout.shift_projects(base, ["hub"], -24)
    )
    vec = ensemble.execute(comp, fitted, draws)
    assert np.mean(vec["opening"][:, 0] < comp.n_months) > 0.5  # the hub opens inside the horizon
    assert_same_outputs(vec, simulate_reference(comp, fitted, draws))


# ---- seeds and workers -----------------------------------------------------------------------------


def run_raw(scn: Scenario, fitted: Any, n: int, seed: int) -> dict[str, np.ndarray]:
    """Fresh draws and a serial run; flattened outputs."""
    comp, draws = ensemble.prepare(scn, fitted, replications=n, seed=seed)
    return flatten_outputs(ensemble.execute(comp, fitted, draws))


def test_same_seed_same_arrays_different_seed_different(plan: Scenario, fitted: Any) -> None:
    a, b, c = run_raw(plan, fitted, 200, 5), run_raw(plan, fitted, 200, 5), run_raw(plan, fitted, 200, 6)
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=True), k
    for k in ("monthly", "baseline_monthly", "opening", "metrics.revenue"):
        assert not np.array_equal(a[k], c[k]), k


def test_workers_do_not_change_results(plan: Scenario, fitted: Any) -> None:
    n = ensemble.CHUNK + 300  # two chunks, so two processes really share the work
    assert len(ensemble.chunks(n)) == 2
    serial = ensemble.run(plan, fitted, replications=n, seed=8, workers=1)
    pooled = ensemble.run(plan, fitted, replications=n, seed=8, workers=2)
    for name in serial.metrics:
        assert np.array_equal(serial.metrics[name], pooled.metrics[name]), name
    for name in ("monthly", "baseline_monthly", "county_annual", "opening", "phase_start", "phase_end"):
        assert np.array_equal(getattr(serial, name), getattr(pooled, name), equal_nan=True), name
    for tid in serial.target_values:
        assert np.array_equal(serial.target_values[tid], pooled.target_values[tid]), tid


# ---- common random numbers -------------------------------------------------------------------------


def test_timing_change_shares_baseline_draws(plan: Scenario, fitted: Any) -> None:
    # a different scenario (not just a projects= override): Dafang's centre may start 6 months earlier
    projects = []
    for p in plan.projects:
        d = p.model_dump()
        if p.id == "centre_dafang":
            d["phases"] = [{**d["phases"][0], "not_before": "2023-07"}, *d["phases"][1:]]
        projects.append(d)
    early = edited(plan, projects=projects)
    runs = {}
    for name, scn in (("plan", plan), ("early", early), ("none", no_projects(plan))):
        comp, draws = ensemble.prepare(scn, fitted, replications=300, seed=21)
        runs[name] = (draws, ensemble.execute(comp, fitted, draws))
    (d_plan, r_plan), (d_early, r_early), (d_none, r_none) = runs["plan"], runs["early"], runs["none"]
    assert np.array_equal(r_plan["baseline_monthly"], r_early["baseline_monthly"])
    assert np.array_equal(r_plan["baseline_monthly"], r_none["baseline_monthly"])
    assert np.array_equal(d_plan.u_rollout, d_early.u_rollout)
    assert np.array_equal(d_plan.z_county, d_none.z_county)
    for k in d_plan.params:
        assert np.array_equal(d_plan.params[k], d_early.params[k]), k
    j = [p.id for p in plan.projects].index("centre_dafang")
    assert np.all(r_early["opening"][:, j] <= r_plan["opening"][:, j])
    assert np.any(r_early["opening"][:, j] < r_plan["opening"][:, j])


def test_opening_a_centre_earlier_never_lowers_parcels(plan: Scenario, fitted: Any) -> None:
    """Under common random numbers, Dafang's centre 6 months earlier never lowers parcels.

    Per draw, monthly demand and the parcels handled cumulatively up to each year's end
    never fall (both rise with demand and capacity).  The parcels handled *within* a later
    year can fall in a few draws (~0.3%): a backlog the later opening carries over the year's
    end is handled the next year; so the annual check per draw is for the first year and
    for the expectation.
    """
    n = 400
    comp, draws = ensemble.prepare(plan, fitted, replications=n, seed=31)
    shifted = rollout.shift_projects(comp.projects, ["centre_dafang"], -6)
    comp_e, draws_e = ensemble.prepare(plan, fitted, replications=n, seed=31, projects=shifted)
    base, early = ensemble.execute(comp, fitted, draws), ensemble.execute(comp_e, fitted, draws_e)
    j = [p.id for p in comp.projects].index("centre_dafang")
    assert np.all(early["opening"] <= base["opening"] + 1e-9)  # nothing else opens later
    assert np.mean(early["opening"][:, j] < base["opening"][:, j]) > 0.9

    a, b = base["metrics"]["parcels_inout"], early["metrics"]["parcels_inout"]
    assert np.all(b.mean(axis=0) >= a.mean(axis=0))
    assert np.all(b[:, 0] >= a[:, 0] * (1 - 1e-12))

    def to_year_end(raw: dict[str, Any]) -> np.ndarray:
        """Parcels handled (in + out) from the start to each year's end, (n, Y)."""
        return np.cumsum(raw["monthly"].sum(axis=-1), axis=1)[:, 11::12]

    assert np.all(to_year_end(early) >= to_year_end(base) * (1 - 1e-12))
    dem_a, dem_b = (
        demand_outputs(comp, fitted, draws)["demand"],
        demand_outputs(comp_e, fitted, draws_e)["demand"],
    )
    assert np.all(dem_b >= dem_a * (1 - 1e-12))
    assert np.any(dem_b > dem_a * (1 + 1e-6))


# ---- conservation ----------------------------------------------------------------------------------


def test_counties_sum_to_city_and_parcels_are_conserved(plan: Scenario, fitted: Any) -> None:
    comp, draws = ensemble.prepare(plan, fitted, replications=300, seed=41)
    raw = ensemble.execute(comp, fitted, draws)
    m = raw["metrics"]
    city = raw["county_annual"].sum(axis=1)  # (n, Y, 2)
    np.testing.assert_allclose(city[..., 0], m["parcels_out"], rtol=1e-12)
    np.testing.assert_allclose(city[..., 1], m["parcels_in"], rtol=1e-12)
    np.testing.assert_allclose(m["parcels_inout"], m["parcels_out"] + m["parcels_in"], rtol=1e-12)
    monthly_annual = raw["monthly"].reshape(300, len(comp.years), 12, 2).sum(axis=2)
    np.testing.assert_allclose(monthly_annual, city, rtol=1e-12)

    dem = demand_outputs(comp, fitted, draws)
    county_base = dem["demand"] / dem["multiplier"]  # (n, C, T, 2)
    np.testing.assert_allclose(county_base.sum(axis=1), dem["baseline_city"], rtol=1e-12)
    np.testing.assert_allclose(dem["baseline_city"], raw["baseline_monthly"], rtol=0)
    col, dlv = fitted.local_paths(comp.years, draws.u_events["baseline"])
    yearly_base = raw["baseline_monthly"].reshape(300, len(comp.years), 12, 2).sum(axis=2)
    np.testing.assert_allclose(yearly_base, np.stack([col, dlv], axis=-1), rtol=1e-12)

    # handled + backlog after the last month == demand over the horizon, per county and direction
    assert np.any(dem["backlog_end"] > 0)  # the capacity limit binds in some draws
    np.testing.assert_allclose(
        dem["handled"].sum(axis=2) + dem["backlog_end"], dem["demand"].sum(axis=2), rtol=1e-12
    )
    assert np.all(dem["handled"] <= dem["demand"].cumsum(axis=2) * (1 + 1e-12))


# ---- draws -----------------------------------------------------------------------------------------


def test_sampled_durations_and_parameters_match_their_moments(plan: Scenario, fitted: Any) -> None:
    n = 4000
    pack = load_pack(plan.region_pack)
    dists = resolve(plan, fitted.register)
    draws = make_draws(plan, dists, fitted, n, 51, len(pack.counties))
    comp = ensemble.compile_scenario(plan, pack)
    ro = rollout_for(comp, draws)

    def check(x: np.ndarray, mean: float, var: float, what: str) -> None:
        se = np.sqrt(var / n)
        assert abs(x.mean() - mean) <= 4 * se + 1e-12 * abs(mean), f"{what}: mean {x.mean()} vs {mean}"
        m4 = np.mean((x - x.mean()) ** 4)
        se_var = np.sqrt(max(m4 - var**2, 0.0) / n)
        # a fixed value's sample variance is the rounding of its mean (pairwise sum: about log2(n) ulps)
        rounding = (np.log2(n) * np.finfo(float).eps * abs(mean)) ** 2
        assert abs(x.var(ddof=1) - var) <= 4 * se_var + 1e-12 * var + rounding, f"{what}: var {x.var(ddof=1)} vs {var}"

    for i, p in enumerate(comp.projects):
        for k, ph in enumerate(p.phases):
            dur = ph.duration.ppf(draws.u_rollout[:, i, k])
            np.testing.assert_allclose(ro.phase_end[:, i, k] - ro.phase_start[:, i, k], dur, atol=1e-9)
            check(dur, ph.duration.mean(), ph.duration.var(), f"{p.id}.{ph.name}")
    for name, d in dists.items():
        check(draws.params[name], d.mean(), d.var(), name)
