"""Spillover coefficients sit where their evidence puts them (benchmarks/register_evidence.py), and the
targets whose wording has two readings report P under each."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from helpers import ROOT

from expressim.calibration.assumptions import load_register

sys.path.insert(0, str(ROOT / "benchmarks"))

import register_evidence as rev  # noqa: E402

#: the coefficients that turn parcels into a headline target's unit, and their trends
SPILLOVER_COEFFICIENTS = {
    "jobs_per_10k_parcels_2023", "jobs_productivity_growth", "station_keepers_per_10k_parcels",
    "online_value_per_parcel", "online_value_per_parcel_decline", "specialty_share_outbound",
    "specialty_value_per_parcel", "local_revenue_per_parcel_relative", "revenue_per_parcel_2023",
    "revenue_per_parcel_decline",
}


@pytest.fixture(scope="module")
def derivations() -> list[rev.Derivation]:
    return rev.derive()


def test_json_prints_one_record_per_spillover_coefficient() -> None:
    p = subprocess.run([sys.executable, "benchmarks/register_evidence.py", "--json"], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    recs = json.loads(p.stdout)
    assert {r["parameter"] for r in recs} == SPILLOVER_COEFFICIENTS
    assert len(recs) == len(SPILLOVER_COEFFICIENTS)
    for r in recs:
        assert set(r) == {"parameter", "mode", "evidence_low", "evidence_high", "basis"}
        assert r["basis"]


def test_every_register_mode_lies_inside_its_derived_range(derivations: list[rev.Derivation]) -> None:
    reg = load_register()
    for d in derivations:
        centre = rev.centre(reg[d.parameter])
        assert round(d.low, 4) <= centre <= round(d.high, 4), (d.parameter, centre, d.low, d.high)


def test_recentred_entries_are_the_evidence_median_with_the_priors_spread(derivations: list[rev.Derivation]) -> None:
    """jobs, specialty share and specialty value: mode = median of the points, PRIORS.md's spread kept."""
    reg = load_register()
    recentred = {d.parameter: d.suggested() for d in derivations if d.suggested() is not None}
    assert set(recentred) == {"jobs_per_10k_parcels_2023", "specialty_share_outbound", "specialty_value_per_parcel"}
    for key, (lo, mode, hi) in recentred.items():
        e = reg[key]
        assert (e["low"], e["mode"], e["high"]) == pytest.approx((lo, mode, hi)), key
        assert "benchmarks/register_evidence.py" in e["source"], key
    # the figures the issue read off the same rows
    jobs = next(d for d in derivations if d.parameter == "jobs_per_10k_parcels_2023")
    assert 0.13 <= jobs.low and jobs.high <= 0.18


def test_every_point_names_rows_that_exist(derivations: list[rev.Derivation]) -> None:
    with (rev.DATA / "priors_evidence.csv").open(encoding="utf-8") as fh:
        names = {r["parameter"] for r in csv.DictReader(fh)}
    reg = load_register()
    for d in derivations:
        assert d.core, d.parameter
        for p in d.core:
            assert p.rows and np.isfinite(p.value) and p.steps, d.parameter
            for cite in p.rows:
                assert cite.startswith("observations.csv") or cite.split(" (")[0] in names, (d.parameter, cite)
        if d.parameter in ("jobs_per_10k_parcels_2023", "specialty_share_outbound", "specialty_value_per_parcel",
                           "station_keepers_per_10k_parcels"):
            cited = {c.split(" (")[0] for p in d.core for c in p.rows if not c.startswith("observations")}
            assert all(c in str(reg[d.parameter]["source"]) for c in cited), (d.parameter, cited)


def test_the_ranges_are_computed_from_the_rows_not_typed_in() -> None:
    """Doubling the Hubei employment row moves the jobs range; doubling the Gansu 2025 share moves its range."""
    rows = rev.evidence_rows()
    reg = rev.register()
    base = rev.Evidence(rows)
    changed = rev.Evidence([replace(r, value=r.value * 2) if (r.parameter, r.period) in
                            {("express_employment_province", "2023-H1"), ("agri_parcels_share_proxy", "2024-01..08")}
                            else r for r in rows])
    assert rev.jobs_per_10k(changed, reg).high == pytest.approx(2 * 0.1470588, rel=1e-4)
    assert rev.jobs_per_10k(base, reg).high == pytest.approx(0.1747, rel=1e-3)
    assert rev.specialty_share(changed, reg).high > rev.specialty_share(base, reg).high * 1.5


def test_rolling_forward_uses_the_registers_own_productivity_gain() -> None:
    reg = rev.register()
    ev = rev.Evidence(rev.evidence_rows())
    faster = {**reg, "jobs_productivity_growth": {**reg["jobs_productivity_growth"], "mode": 0.15}}
    assert rev.jobs_per_10k(ev, faster).high < rev.jobs_per_10k(ev, reg).high


# ---- readings of the plan's wording ---------------------------------------------------------------


def test_readings_report_p_under_each_reading_the_likely_one_first() -> None:
    from expressim.model.engine.targets import readings
    from expressim.model.spec.scenario import Target

    t = Target.model_validate({"id": "jobs_2025", "label": "就业岗位 1万人", "metric": "jobs", "year": 2025,
                               "threshold": 10000, "unit": "人"})
    m = {"jobs": np.array([[0.0, 9000.0], [0.0, 11000.0]]),
         "jobs_with_station_keepers": np.array([[0.0, 10500.0], [0.0, 12000.0]])}
    r = readings(t, m, [2024, 2025])
    assert r is not None
    assert [x["metric"] for x in r] == ["jobs", "jobs_with_station_keepers"]
    assert [x["probability"] for x in r] == [0.5, 1.0]
    one = Target.model_validate({"id": "r", "label": "r", "metric": "revenue", "year": 2025, "threshold": 1, "unit": "元"})
    assert readings(one, {"revenue": np.zeros((2, 2))}, [2024, 2025]) is None


def test_broad_readings_are_never_below_the_headline_reading(fitted: Any) -> None:
    from expressim.model.engine import ensemble
    from expressim.model.spec.scenario import load as load_scenario

    plan = load_scenario(ROOT / "scenarios" / "plan.yaml")
    comp, draws = ensemble.prepare(plan, fitted, replications=200, seed=7)
    m = ensemble.execute(comp, fitted, draws)["metrics"]
    keepers = draws.params["station_keepers_per_10k_parcels"][:, None]
    np.testing.assert_allclose(m["jobs_with_station_keepers"] - m["jobs"], m["parcels_inout"] / 1e4 * keepers, rtol=1e-12)
    online_rate = m["online_shopping"] / m["parcels_in"]
    np.testing.assert_allclose(m["online_shopping_inout"], m["parcels_inout"] * online_rate, rtol=1e-12)
    assert np.all(m["online_shopping_inout"] >= m["online_shopping"])
