"""What each answer rests on (model.rests_on): planted inputs, closed forms, kinds from the data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import levels
from scipy import integrate, special, stats

from expressim.model.analysis import rests_on as ro


def _inputs(cols: dict[str, np.ndarray]) -> list[ro.Input]:
    return [ro.Input(k, k, "assumption", (k,), v[:, None] if v.ndim == 1 else v) for k, v in cols.items()]


def _planted(n: int = 4000, seed: int = 7) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """y ~ Bernoulli(expit(a z_dom + b z_weak)) with eight inputs that play no part."""
    rng = np.random.default_rng(seed)
    cols = {f"noise{i}": rng.random(n) for i in range(8)}
    cols["weak"] = rng.lognormal(0.0, 1.0, n)  # monotone transform of z_weak: ranks are what count
    cols["dominant"] = rng.random(n)
    z_dom = stats.norm.ppf(cols["dominant"])
    z_weak = np.log(cols["weak"])
    y = rng.random(n) < special.expit(2.5 * z_dom + 0.4 * z_weak)
    return cols, y


def _closed_form(q: float, a: float = 2.5, b: float = 0.4) -> float:
    """P(met | dominant at its q-th quantile) = E_z[expit(a Φ⁻¹(q) + b z)], z standard normal."""
    x = stats.norm.ppf(q)
    val, _ = integrate.quad(lambda z: special.expit(a * x + b * z) * stats.norm.pdf(z), -10, 10)
    return float(val)


def test_planted_dominant_input_is_found_first_and_matches_the_closed_form() -> None:
    cols, y = _planted()
    table = ro.swings(_inputs(cols), {"t": y})
    entries = table["t"]
    assert [e.input for e in entries[:2]] == ["dominant", "weak"]
    top = entries[0]
    for est, q in ((top.probability_low, 0.1), (top.probability_high, 0.9)):
        assert abs(est - _closed_form(q)) < 4 * top.stderr + 0.02, (q, est, _closed_form(q))
    assert top.decisive and ro.decided_by_assumption(entries) is top


def test_range_brackets_p_for_a_monotone_input() -> None:
    """For an input whose effect is monotone and spread over its range (not confined to its outer tenths)
    P = ∫ g(q) dq lies between g(0.1) and g(0.9); docs/rests_on.md says when it need not."""
    cols, y = _planted(seed=11)
    top = ro.swings(_inputs(cols), {"t": y})["t"][0]
    p = y.mean()
    assert top.probability_low < p < top.probability_high


def test_inputs_without_influence_give_low_close_to_high() -> None:
    cols, y = _planted(seed=3)
    entries = ro.swings(_inputs(cols), {"t": y})["t"]
    for e in entries:
        if e.input.startswith("noise"):
            assert e.influence < 4 * np.sqrt(2) * e.stderr, e
            assert not e.decisive


def test_a_group_is_found_with_its_favourable_direction() -> None:
    """y depends on a - b: neither member alone is a clean signal; the group index finds the direction."""
    rng = np.random.default_rng(5)
    n = 4000
    a, b, c = rng.random(n), rng.random(n), rng.random(n)
    y = rng.random(n) < special.expit(2.0 * (stats.norm.ppf(a) - stats.norm.ppf(b)))
    inputs = [ro.Input("ab", "ab", "assumption", ("a", "b"), np.column_stack([a, b])),
              ro.Input("c", "c", "assumption", ("c",), c[:, None]),
              ro.Input("cd", "cd", "assumption", ("c", "d"), np.column_stack([c, rng.random(n)]))]
    entries = ro.swings(inputs, {"t": y})["t"]
    assert entries[0].input == "ab"
    assert entries[0].probability_low < y.mean() < entries[0].probability_high
    noise_group = next(e for e in entries if e.input == "cd")  # cross-fitted: no spurious direction
    assert noise_group.influence < 4 * np.sqrt(2) * noise_group.stderr


def test_a_target_met_everywhere_or_nowhere_rests_on_nothing() -> None:
    cols, _ = _planted(n=500)
    table = ro.swings(_inputs(cols), {"always": np.ones(500, bool), "never": np.zeros(500, bool)})
    for tid, p in (("always", 1.0), ("never", 0.0)):
        assert len(table[tid]) == len(cols)
        assert all(e.probability_low == e.probability_high == p for e in table[tid])
        assert ro.sentence(table[tid]).startswith("no single input")


def test_local_probability_recovers_a_linear_curve() -> None:
    """Local-linear regression is exact (up to noise) for g(q) = 0.2 + 0.6 q, also near the edges."""
    rng = np.random.default_rng(2)
    u = (np.arange(20000) + 0.5) / 20000
    y = (rng.random(u.size) < 0.2 + 0.6 * u).astype(float)
    for q in (0.1, 0.9):
        est, se = ro.local_probability(u, y, q, ro.bandwidth(u.size))
        assert abs(float(est) - (0.2 + 0.6 * q)) < 4 * float(se)


def test_kind_labels_follow_the_data(fitted: object) -> None:
    """Shipped data: national path and Guizhou share are data; the Bijie ratios are evidence (priors built by
    benchmarks/local_prior_evidence.py, no local Bijie observation), plain register priors assumptions; a ratio
    with one local release behind it becomes data."""
    import dataclasses

    assert ro.input_kind("national_volume_u", fitted) == "data"
    assert ro.input_kind("province_share_u", fitted) == "data"
    assert ro.input_kind("local_collected_intensity", fitted) == "evidence"
    assert ro.input_kind("local_delivered_relative", fitted) == "evidence"
    assert ro.input_kind("jobs_per_10k_parcels_2023", fitted) == "assumption"
    assert ro.input_kind("revenue_per_parcel", fitted) == "assumption"
    key = ("Bijie", "express_volume_inbound", (2023, 0, 11, False, "year"))
    updated = dataclasses.replace(fitted, published={**fitted.published, key: None})  # type: ignore[type-var]
    assert ro.input_kind("local_delivered_relative", updated) == "data"
    assert ro.input_kind("local_collected_intensity", updated) == "evidence"


@pytest.mark.slow
def test_a_local_bijie_observation_turns_the_ratio_into_data(tmp_path: Path) -> None:
    """The whole chain: a Bijie volume row in an extra CSV -> calibration -> kind ``data``."""
    from expressim.calibration.fit import fit_all
    from expressim.calibration.observations import default_data_dir, load

    extra = tmp_path / "bijie.csv"
    extra.write_text("geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
                     "Bijie,express_volume(快递业务量),2023,0.9,亿件,,https://example.org/bijie,test row\n",
                     encoding="utf-8")
    local = fit_all(load([default_data_dir(), extra]), levels=levels())
    assert ro.input_kind("local_collected_intensity", local) == "data"
    assert ro.input_kind("local_delivered_relative", local) == "evidence"  # its prior is built from evidence (issue 18, section 3)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_run_writes_rests_on_for_every_target(tmp_path: Path) -> None:
    from helpers import PLAN, cli

    out = tmp_path / "run"
    rc, _, err = cli("run", str(PLAN), "--replications", "300", "--seed", "5", "--out", str(out), "--lang", "en")
    assert rc == 0, err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    heads = [t for t in summary["targets"] if t["headline"]]
    assert heads
    for t in summary["targets"]:
        entries = t["rests_on"]
        assert entries and all(e["kind"] in ("data", "evidence", "assumption") for e in entries)
        infl = [abs(e["probability_high"] - e["probability_low"]) for e in entries]
        assert infl == sorted(infl, reverse=True)
    kinds = {e["input"]: e["kind"] for e in heads[0]["rests_on"]}
    assert kinds["national_volume_u"] == "data" and kinds["jobs_per_parcel"] == "assumption"
    rows = (out / "rests_on.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].split(",")[:3] == ["target", "rank", "input"]
    assert "rests on" in (out / "report.html").read_text(encoding="utf-8")
