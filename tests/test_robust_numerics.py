"""Numerical robustness: failing models are excluded, short series are explicit, extreme but valid
scenarios run, forecasts' quantiles are ordered and probabilities stay in [0, 1]."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers import PLAN, ROOT, cli, levels  # noqa: E402,F401
from hypothesis import given
from hypothesis import strategies as st

from expressim.calibration import fit as fit_mod
from expressim.calibration import window_forecast
from expressim.model.engine import ensemble
from expressim.model.spec import scenario as sc

# ---- calibration on thin data -------------------------------------------------------------------

def test_series_too_short_still_forecasts_finite_and_wide() -> None:
    """Three national years: the state-space fit still gives ordered, finite, wide quantiles (never NaN)."""
    from expressim.calibration.observations import Observation, ObservationSet
    from expressim.calibration.periods import parse_period

    obs = ObservationSet(tuple(Observation("China", "express_volume", parse_period(str(y)), v, "件")
                               for y, v in ((2021, 1.08e11), (2022, 1.11e11), (2023, 1.32e11))))
    f = fit_mod.fit_all(obs, levels=levels())
    q = list(window_forecast.forecast(f, "China", "express_volume", "2025", n=4000)["quantiles"].values())
    assert np.all(np.isfinite(q)) and all(a <= b for a, b in zip(q, q[1:], strict=False))
    assert q[-1] / q[0] > 1.2  # two years out from three points: wide


def test_data_cut_too_early_is_one_line_exit_2() -> None:
    rc, out, err = cli("forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2025",
                       "--until", "2010")
    assert rc == 2 and out == "" and err.count("\n") == 1 and err.startswith("expressim: error: ")


# ---- forecasts and summaries ----------------------------------------------------------------------

SERIES = [("China", "express_volume"), ("China", "express_revenue"), ("Guizhou", "express_volume"),
          ("Guizhou", "express_revenue"), ("Bijie", "express_volume"), ("Bijie", "express_volume_inbound"),
          ("Bijie", "express_volume_inout"), ("Bijie", "express_revenue")]


@st.composite
def windows(draw: st.DrawFn) -> str:
    y = draw(st.integers(2016, 2030))
    kind = draw(st.sampled_from(["year", "half", "quarter", "month", "range"]))
    if kind == "year":
        return str(y)
    if kind == "half":
        return f"{y}-H{draw(st.integers(1, 2))}"
    if kind == "quarter":
        return f"{y}-Q{draw(st.integers(1, 4))}"
    if kind == "month":
        return f"{y}-{draw(st.integers(1, 12)):02d}"
    a = draw(st.integers(1, 11))
    return f"{y}-{a:02d}..{draw(st.integers(a + 1, 12)):02d}"


@given(st.sampled_from(SERIES), windows(), st.integers(0, 2**32 - 1))
def test_forecast_quantiles_are_finite_positive_and_ordered(fitted: Any, series: tuple[str, str], period: str,
                                                           seed: int) -> None:
    r = window_forecast.forecast(fitted, *series, period, n=1000, seed=seed)
    q = [r["quantiles"][k] for k in ("0.05", "0.1", "0.25", "0.5", "0.75", "0.9", "0.95")]
    assert all(math.isfinite(v) and v > 0 for v in q), r
    assert all(a <= b for a, b in zip(q, q[1:], strict=False)), r
    assert math.isfinite(r["mean"]) and r["mean"] > 0


def _plan() -> dict[str, Any]:
    return yaml.safe_load(PLAN.read_text(encoding="utf-8"))


@given(st.integers(0, 2**31), st.integers(1, 60))
def test_summary_is_consistent_with_the_model_identities(fitted: Any, seed: int, n: int) -> None:
    """What the model (not numpy) must guarantee on any seed and size: in + out = in+out, counts
    and money non-negative, fractions in [0, 1], and each target's standard error the binomial
    one of its probability."""
    res = ensemble.run(sc.load(PLAN), fitted, replications=n, seed=seed)
    m = res.metrics
    np.testing.assert_allclose(m["parcels_inout"], m["parcels_in"] + m["parcels_out"], rtol=1e-12)
    for name, arr in m.items():
        assert np.all(np.isfinite(arr)) and np.all(arr >= 0), name
        if name.startswith(("green_", "village_", "scenic_")):
            assert np.all(arr <= 1.0 + 1e-12), name
    for s in res.summary():
        if n > 1:
            assert s.probability_stderr == pytest.approx(math.sqrt(s.probability * (1 - s.probability) / n), abs=1e-12)


# ---- extreme but valid scenarios ----------------------------------------------------------------------

def test_all_projects_opening_in_the_first_month(fitted: Any) -> None:
    d = _plan()
    for p in d["projects"]:
        for ph in p["phases"]:
            ph["duration"] = 0
            ph["not_before"] = d["start"]
        p.pop("planned_open", None)
    res = ensemble.run(sc.from_dict(d), fitted, replications=50, seed=1)
    assert np.all(res.opening == 0)
    p = {s.id: s.probability for s in res.summary()}
    for tid in ("centres_2023", "centres_2024", "centres_open_2024", "centres_2025", "hub_construction_2025"):
        assert p[tid] == 1.0, tid
    assert all(np.all(np.isfinite(a)) for a in res.metrics.values())


def test_no_project_opening_before_the_horizon(fitted: Any) -> None:
    d = _plan()
    for p in d["projects"]:
        p["phases"][0]["not_before"] = "2027-01"
    res = ensemble.run(sc.from_dict(d), fitted, replications=50, seed=1)
    assert np.all(~np.isfinite(res.opening) | (res.opening >= 36))
    p = {s.id: s.probability for s in res.summary()}
    for tid in ("centres_2023", "centres_2024", "centres_open_2024", "centres_2025", "hub_construction_2025"):
        assert p[tid] == 0.0, tid
    base = ensemble.run(sc.load(PLAN), fitted, replications=50, seed=1)
    # no project: the parcel paths are the no-policy baseline, below the plan's
    assert np.all(res.metrics["parcels_inout"] <= base.metrics["parcels_inout"] * (1 + 1e-9))
    assert all(np.all(np.isfinite(a)) for a in res.metrics.values())


def test_no_projects_at_all(fitted: Any) -> None:
    d = _plan()
    d["projects"] = []
    d["resources"] = []
    d["targets"] = [t for t in d["targets"] if not t.get("projects")]
    res = ensemble.run(sc.from_dict(d), fitted, replications=20, seed=1)
    assert all(np.all(np.isfinite(a)) for a in res.metrics.values())


def test_zero_replications_refused_one_allowed(tmp_path: Path, fitted: Any) -> None:
    out = tmp_path / "run"
    rc, _, err = cli("run", str(PLAN), "--replications", "0", "--out", str(out))
    assert rc == 2 and err == "expressim: error: --replications: expected at least 1, got 0\n" and not out.exists()
    with pytest.raises(sc.ScenarioError, match="at least 1"):
        ensemble.run(sc.load(PLAN), fitted, replications=0)
    res = ensemble.run(sc.load(PLAN), fitted, replications=1, seed=4)
    assert res.replications == 1 and all(s.probability in (0.0, 1.0) for s in res.summary())
