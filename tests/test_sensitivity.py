"""Sensitivity, scenario discovery and value of information: known answers through our own plumbing.

* Ishigami (Ishigami & Homma 1990; Sobol' & Levitan 1999 for the indices): a=7, b=0.1,
  x_i ~ U(-pi, pi): S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).  Evaluated
  through the same Factor -> design -> evaluate -> analyse path as the engine.
* A noise term tied to the design's noise rows scales every index by V / (V + sigma^2),
  which checks that A and AB_i share their noise draw.
* PRIM on a planted box; VOI on a function with a planted dominant group.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import PLAN

from expressim.calibration.distributions import Uniform
from expressim.model.analysis.closed_sobol import value_of_information
from expressim.model.analysis.discovery import prim
from expressim.model.analysis.sensitivity import (
    Batch,
    Problem,
    analyse,
    evaluate,
    sample_design,
    scenario_factors,
)
from expressim.model.engine.parameters import resolve
from expressim.model.spec.scenario import load

A, B = 7.0, 0.1
V1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
V = V1 + V2 + V13


def uniform_factors(names: list[str], low: float = 0.0, high: float = 1.0) -> Problem:
    """Factors built exactly as scenario_factors builds a parameter's."""
    d = Uniform(low=low, high=high)
    return scenario_factors(_NoProjects(), {n: d for n in names}, None)


class _NoProjects:
    projects: list[Any] = []


def ishigami(noise_sd: float = 0.0, seed: int = 5) -> Any:
    def model(b: Batch) -> dict[str, np.ndarray]:
        v = b.values()
        y = np.sin(v["x1"]) + A * np.sin(v["x2"]) ** 2 + B * v["x3"] ** 4 * np.sin(v["x1"])
        if noise_sd:
            y = y + noise_sd * np.random.default_rng(seed).standard_normal(b.n_noise)[b.noise]
        return {"y": y}

    return model


def sobol_indices(problem: Problem, model: Any, n: int) -> dict[str, dict[str, float]]:
    design = sample_design(problem, "sobol", n, seed=3)
    ys = evaluate(problem, design.u, design.noise, design.n_noise, model, batch=7000)
    return {r["factor"]: r for r in analyse(problem, design, ys, seed=3)}


def test_ishigami_indices_recovered() -> None:
    p = uniform_factors(["x1", "x2", "x3"], -np.pi, np.pi)
    s = sobol_indices(p, ishigami(), 4096)
    for k, s1, st in (("x1", 0.3139, 0.5576), ("x2", 0.4424, 0.4424), ("x3", 0.0, 0.2437)):
        assert s[k]["S1"] == pytest.approx(s1, abs=0.03)
        assert s[k]["ST"] == pytest.approx(st, abs=0.03)
        assert 0 < s[k]["ST_conf"] < 0.06


def test_noise_tied_to_base_samples_scales_indices() -> None:
    p = uniform_factors(["x1", "x2", "x3"], -np.pi, np.pi)
    s = sobol_indices(p, ishigami(noise_sd=2.0), 4096)
    scale = V / (V + 4.0)
    assert s["x1"]["S1"] == pytest.approx(V1 / V * scale, abs=0.04)
    assert s["x1"]["ST"] == pytest.approx((V1 + V13) / V * scale, abs=0.04)
    assert s["x3"]["ST"] == pytest.approx(V13 / V * scale, abs=0.04)


def test_morris_ranks_a_linear_function() -> None:
    p = uniform_factors(["a", "b", "c"])
    design = sample_design(p, "morris", 40, seed=1)

    def model(b: Batch) -> dict[str, np.ndarray]:
        v = b.values()
        return {"y": 10 * v["a"] + v["b"] + 0 * v["c"]}

    rows = {r["factor"]: r for r in analyse(p, design, evaluate(p, design.u, design.noise, design.n_noise, model))}
    assert rows["a"]["mu_star"] == pytest.approx(10, rel=1e-6)
    assert rows["b"]["mu_star"] == pytest.approx(1, rel=1e-6)
    assert rows["c"]["mu_star"] == pytest.approx(0, abs=1e-9)


def test_constant_output_gets_nan_indices() -> None:
    p = uniform_factors(["a", "b"])
    design = sample_design(p, "sobol", 16, seed=1)
    rows = analyse(p, design, {"y": np.ones(design.n)})
    assert all(r["constant"] and np.isnan(r["S1"]) for r in rows)


class _Baseline:
    """A calibration stand-in: a baseline block of three normal columns in two factor groups."""

    def baseline_groups(self, years: list[int]) -> tuple[str, ...]:
        return ("national_volume_u", "national_volume_u", "local_collected_intensity")


def test_factors_derived_from_the_plan_scenario() -> None:
    scn = load(PLAN)
    dists = resolve(scn)
    prob = scenario_factors(scn, dists, _Baseline())
    phases = [(p, ph) for p in scn.projects for ph in p.phases if not ph.duration.is_fixed]
    free = {k: d for k, d in dists.items() if not d.is_fixed}
    assert len(prob.factors) == len(free) + 3 + len(phases)
    by = {f.name: f for f in prob.factors}
    for k, d in free.items():
        assert by[k].bounds == pytest.approx(d.bounds())
        assert by[k].values(np.array([0.0, 1.0])) == pytest.approx(d.bounds())
    for p, ph in phases:
        f = by[f"rollout:{p.id}:{ph.name}"]
        assert f.bounds == pytest.approx(ph.duration.bounds()) and f.group == f"rollout:{p.kind}"
        assert f.slot == (list(scn.projects).index(p), list(p.phases).index(ph))
    # baseline block columns: standard normals with the tails cut, grouped by the factor they drive
    assert by["baseline:0"].bounds == pytest.approx((-3.0902, 3.0902), abs=1e-4)
    assert [by[f"baseline:{j}"].group for j in range(3)] == ["national_volume_u"] * 2 + ["local_collected_intensity"]
    from expressim.model.analysis.closed_sobol import voi_group

    assert {voi_group(by[f"baseline:{j}"]) for j in range(3)} == {"local level"}  # by group, not by column name
    assert {g for g in prob.groups if g.startswith("rollout:")} == {f"rollout:{p.kind}" for p, _ in phases}
    ungrouped = scenario_factors(scn, dists, None, rollout_groups="none")
    assert ungrouped.groups == ungrouped.names and "groups" not in ungrouped.salib()


def test_prim_finds_a_planted_box() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((5000, 5))
    y = ((x[:, 0] < 0.3) & (x[:, 1] > 0.6)).astype(float)
    res = prim({f"x{i + 1}": x[:, i] for i in range(5)}, y, threshold=0.95)
    lim = res["chosen"]["limits"]
    assert set(lim) == {"x1", "x2"}
    assert lim["x1"]["low"] is None and lim["x1"]["high"] == pytest.approx(0.3, abs=0.05)
    assert lim["x2"]["high"] is None and lim["x2"]["low"] == pytest.approx(0.6, abs=0.05)
    assert res["chosen"]["density"] >= 0.95 and res["chosen"]["coverage"] >= 0.9
    cov = [t["coverage"] for t in res["trajectory"]]
    assert cov[0] == 1.0 and all(np.diff(cov) <= 1e-12)


def test_voi_ranks_a_planted_dominant_group_first() -> None:
    names = ["local_collected_intensity", "national_volume_u", "county_share_noise", "centre_ramp_months",
             "jobs_per_10k_parcels_2023", "rollout:p:build", "green_gap_closure"]
    p = uniform_factors(names)

    def model(b: Batch) -> dict[str, np.ndarray]:
        v = b.values()
        z = np.random.default_rng(1).standard_normal(b.n_noise)[b.noise]
        s = (2.0 * v["local_collected_intensity"] + v["national_volume_u"] + 0.4 * v["centre_ramp_months"]
             + 0.2 * v["jobs_per_10k_parcels_2023"] + 0.3 * v["rollout:p:build"] + 0.1 * z)
        return {"t.value": s, "t.attained": (s > 1.2).astype(float)}

    out = value_of_information(p, model, ["t.value", "t.attained"], n=512, seed=2, n_outer=60, n_inner=60)
    assert out["ranking"]["overall"][0]["group"] == "local level"
    assert out["ranking"]["by_output"]["t.attained"][:2] == ["local level", "infrastructure effects"]
    rows = {(r["output"], r["factor"]): r for r in out["indices"]}
    local = rows[("t.attained", "local level")]
    assert local["S1"] > 0.5 and local["index_nested"] == pytest.approx(local["S1"], abs=0.12)
    assert local["p10"] < local["mean"] < local["p90"]
    assert rows[("t.attained", "other inputs")]["S1"] == pytest.approx(0.0, abs=0.05)


# ---- the engine -----------------------------------------------------------------------------------

def test_engine_model_shares_noise_between_a_and_ab(fitted: Any) -> None:
    from expressim.model.analysis.sensitivity import engine_model
    from expressim.model.engine.simulate import compile_scenario
    from expressim.model.spec.regions import load_pack

    scn = load(PLAN)
    dists = resolve(scn, fitted.register)
    prob = scenario_factors(scn, dists, fitted)
    design = sample_design(prob, "sobol", 16, seed=4)
    target = [t for t in scn.targets if t.id == "parcels_inout_2025"]
    model = engine_model(compile_scenario(scn, load_pack(scn.region_pack)), fitted, dists, 4, target)
    y = evaluate(prob, design.u, design.noise, design.n_noise, model)["parcels_inout_2025.value"]
    block = y.reshape(16, len(prob.groups) + 2)
    g = prob.groups.index("green_gap_closure")  # no effect on parcels: AB_g must equal A exactly
    assert np.array_equal(block[:, 0], block[:, 1 + g])
    assert not np.array_equal(block[:, 0], block[:, -1])


def test_engine_model_outputs_do_not_depend_on_workers(fitted: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from expressim.model.analysis.sensitivity import engine_model
    from expressim.model.engine import ensemble
    from expressim.model.engine.simulate import compile_scenario
    from expressim.model.spec.regions import load_pack

    monkeypatch.setattr(ensemble, "CHUNK", 64)  # several chunks, so two processes really share the design
    scn = load(PLAN)
    dists = resolve(scn, fitted.register)
    prob = scenario_factors(scn, dists, fitted)
    design = sample_design(prob, "sobol", 8, seed=5)
    comp = compile_scenario(scn, load_pack(scn.region_pack))
    one, two = (evaluate(prob, design.u, design.noise, design.n_noise,
                         engine_model(comp, fitted, dists, 5, list(scn.targets[:3]), workers=w)) for w in (1, 2))
    assert one.keys() == two.keys()
    for k in one:
        np.testing.assert_array_equal(one[k], two[k], err_msg=k)


def test_cli_sensitivity_writes_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from expressim.model.cli import main

    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    out = tmp_path / "sens"
    code = main(["-q", "sensitivity", str(PLAN), "--samples", "8", "--target", "parcels_inout_2025",
                 "--replications", "300", "--out", str(out)])
    assert code == 0
    for f in ("sensitivity.csv", "sensitivity.json", "discovery.json", "voi.json", "manifest.json"):
        assert (out / f).is_file()
    sens = json.loads((out / "sensitivity.json").read_text(encoding="utf-8"))
    assert {o["output"] for o in sens["outputs"]} == {"parcels_inout_2025.value", "parcels_inout_2025.attained"}
    assert (out / "figures" / "prim_parcels_inout_2025.png").is_file()
    assert main(["-q", "sensitivity", str(PLAN), "--target", "nope", "--out", str(tmp_path / "x")]) == 2
