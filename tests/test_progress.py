"""The progress file: parsing and refusals, the conditioned rollout, observed targets."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import PLAN, cli
from scipy.stats import ks_2samp

from expressim.calibration.distributions import as_distribution
from expressim.model.engine.conditioning import condition_rollout, violations
from expressim.model.engine.rollout import (
    PhaseSpec,
    ProjectSpec,
    ResourceSpec,
    phase_uniforms,
    simulate_rollout_simpy,
)
from expressim.model.engine.rollout_numpy import simulate_rollout_vectorised
from expressim.model.spec import scenario as sc
from expressim.model.spec.progress import ProgressError, RolloutFact, load

HEADER = "id,status,date,value,source,note\n"


def _tri(a: float, b: float, c: float) -> object:
    return as_distribution({"dist": "triangular", "low": a, "mode": b, "high": c})


#: a: alone; b, c: share one approval slot; s: a programme; d: alone, unrelated to everything
PROJECTS = (
    ProjectSpec("a", "county_centre", "X", (PhaseSpec("prep", _tri(1, 3, 6), 4.0), PhaseSpec("build", _tri(2, 4, 9)))),
    ProjectSpec("b", "county_centre", "X", (PhaseSpec("prep", _tri(1, 3, 6), 4.0, "r"), PhaseSpec("build", _tri(2, 4, 9)))),
    ProjectSpec("c", "county_centre", "X", (PhaseSpec("prep", _tri(1, 3, 6), 4.0, "r"), PhaseSpec("build", _tri(2, 4, 9)))),
    ProjectSpec("s", "stations", "all", (PhaseSpec("roll", _tri(18, 30, 42), 4.0),)),
    ProjectSpec("d", "county_centre", "X", (PhaseSpec("prep", _tri(1, 3, 6), 4.0), PhaseSpec("build", _tri(2, 4, 9)))),
)
RESOURCES = (ResourceSpec("r", 1),)


def _fact(project: str, low: float, high: float, phase: int = 1, event: str = "end") -> RolloutFact:
    return RolloutFact(project, phase, event, low, high, 2, f"{project} fact")


def _run(facts: list[RolloutFact], n: int = 4000, seed: int = 1) -> tuple[np.ndarray, object]:
    u = phase_uniforms(np.random.default_rng(seed), n, PROJECTS)
    cond = condition_rollout(PROJECTS, RESOURCES, u, facts, seed=7)
    return u, cond


# ---- conditioning ---------------------------------------------------------------------------------


def test_an_exact_opening_month_holds_in_every_replication() -> None:
    u, cond = _run([_fact("a", 12.0, 13.0)])
    res = simulate_rollout_vectorised(PROJECTS, RESOURCES, cond.u, cond.override)
    assert np.all(np.floor(res.opening[:, 0]) == 12.0)
    assert cond.override is None  # reached by sampling, nothing imposed


def test_bounds_put_openings_on_the_right_side_and_match_rejection_sampling() -> None:
    """opened_by / not_opened_by: the conditioned law equals the unconditioned one restricted to the fact.

    The reference is plain rejection from an independent unconditioned rollout (other uniforms).
    """
    big = simulate_rollout_vectorised(PROJECTS, RESOURCES, phase_uniforms(np.random.default_rng(99), 40000, PROJECTS))
    for low, high in ((-math.inf, 11.0), (11.0, math.inf)):
        _, cond = _run([_fact("a", low, high)])
        res = simulate_rollout_vectorised(PROJECTS, RESOURCES, cond.u, cond.override)
        got = res.opening[:, 0]
        assert np.all((got >= low) & (got < high))
        ref = big.opening[:, 0][(big.opening[:, 0] >= low) & (big.opening[:, 0] < high)]
        assert ks_2samp(got, ref).pvalue > 0.01
        # the later phase keeps its own uncertainty: its duration is not collapsed onto one value
        assert np.std(res.phase_end[:, 0, 1] - res.phase_start[:, 0, 1]) > 0.5


def test_a_bound_on_a_phase_start_matches_rejection_sampling() -> None:
    big = simulate_rollout_vectorised(PROJECTS, RESOURCES, phase_uniforms(np.random.default_rng(98), 40000, PROJECTS))
    _, cond = _run([_fact("a", 8.0, math.inf, phase=1, event="start")])
    res = simulate_rollout_vectorised(PROJECTS, RESOURCES, cond.u, cond.override)
    s = big.phase_start[:, 0, 1]
    assert np.all(res.phase_start[:, 0, 1] >= 8.0)
    assert ks_2samp(res.opening[:, 0], big.opening[:, 0][s >= 8.0]).pvalue > 0.01


def test_facts_leave_unrelated_projects_unchanged_except_through_shared_resources() -> None:
    u, cond = _run([_fact("a", 12.0, 13.0), _fact("b", 14.0, math.inf)])
    plain = simulate_rollout_vectorised(PROJECTS, RESOURCES, u)
    res = simulate_rollout_vectorised(PROJECTS, RESOURCES, cond.u, cond.override)
    np.testing.assert_array_equal(res.opening[:, 4], plain.opening[:, 4])  # d: no fact, no shared resource
    np.testing.assert_array_equal(res.opening[:, 3], plain.opening[:, 3])  # s
    np.testing.assert_array_equal(cond.u[:, 2], u[:, 2])  # c keeps its draws ...
    assert np.any(res.opening[:, 2] != plain.opening[:, 2])  # ... but queues behind b differently


def test_replications_that_already_meet_the_facts_keep_their_draws() -> None:
    facts = [_fact("a", -math.inf, 11.0)]
    u, cond = _run(facts)
    ok = ~violations(simulate_rollout_vectorised(PROJECTS, RESOURCES, u), facts).any(axis=1)
    assert 0 < ok.sum() < ok.size
    np.testing.assert_array_equal(cond.u[ok], u[ok])
    assert cond.redrawn == {"a": int((~ok).sum())}


def test_the_simpy_oracle_conditions_to_the_same_draws() -> None:
    facts = [_fact("a", 12.0, 13.0), _fact("b", -math.inf, 12.0), _fact("s", -math.inf, 19.0, phase=0)]
    u = phase_uniforms(np.random.default_rng(3), 40, PROJECTS)
    fast = condition_rollout(PROJECTS, RESOURCES, u, facts, seed=7)
    slow = condition_rollout(PROJECTS, RESOURCES, u, facts, seed=7, simulate=simulate_rollout_simpy)
    np.testing.assert_array_equal(fast.u, slow.u)
    np.testing.assert_array_equal(fast.override, slow.override)
    a = simulate_rollout_vectorised(PROJECTS, RESOURCES, fast.u, fast.override)
    b = simulate_rollout_simpy(PROJECTS, RESOURCES, slow.u, slow.override)
    np.testing.assert_array_equal(a.phase_end, b.phase_end)


def test_a_fact_outside_the_durations_is_imposed_at_the_nearest_month() -> None:
    """The programme's durations allow no opening before month 22; the fact says by month 18."""
    _, cond = _run([_fact("s", -math.inf, 19.0, phase=0)], n=500)
    res = simulate_rollout_vectorised(PROJECTS, RESOURCES, cond.u, cond.override)
    np.testing.assert_array_equal(res.opening[:, 3], 18.5)
    assert cond.imposed == {2: 500}


def test_an_opening_earlier_than_the_phases_allow_shrinks_them_in_proportion() -> None:
    """a starts at month 4 and needs at least 3 months; 'opened in month 5' is imposed at 5.5."""
    _, cond = _run([_fact("a", 5.0, 6.0)], n=200)
    res = simulate_rollout_vectorised(PROJECTS, RESOURCES, cond.u, cond.override)
    np.testing.assert_allclose(res.opening[:, 0], 5.5, rtol=0, atol=1e-12)
    assert np.all(res.phase_end[:, 0, 0] > 4.0) and np.all(res.phase_end[:, 0, 0] < 5.5)
    assert cond.imposed == {2: 200}


def test_a_first_phase_start_that_cannot_be_reached_is_refused() -> None:
    with pytest.raises(ProgressError, match="line 2"):
        _run([_fact("a", -math.inf, 3.0, phase=0, event="start")], n=50)


# ---- the file ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plan() -> sc.Scenario:
    return sc.load(PLAN)


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "progress.csv"
    p.write_text(HEADER + body, encoding="utf-8")
    return p


def test_a_good_file_gives_intervals_on_the_scenario_clock(tmp_path: Path, plan: sc.Scenario) -> None:
    p = _write(tmp_path, "centre_qianxi,opened,2024-03,,src,\ncentre_dafang.construction,not_started_by,2024-06,,,\n"
                         "hub,opened_by,2025-11,,,\njobs_2025,observed,2026-04,9000,s,\ntraining,partial,2024-05,0.5,,\n")
    prog = load(p, plan)
    f = prog.rollout_facts(plan)
    assert (f[0].project, f[0].phase, f[0].event, f[0].low, f[0].high) == ("centre_qianxi", 2, "end", 14.0, 15.0)
    assert (f[1].phase, f[1].event, f[1].low, f[1].high) == (1, "start", 18.0, math.inf)
    assert (f[2].low, f[2].high) == (-math.inf, 35.0)
    assert prog.observed()["jobs_2025"].value == 9000
    assert prog.tracked()["training"].value == 0.5
    assert [r.id for r in prog.until(2024 * 12 + 2).rows] == ["centre_qianxi"]


@pytest.mark.parametrize(("body", "line", "field", "words"), [
    ("centre_qianxi,opened,2024-03,,,\ncentre_qianxi,not_opened_by,2024-12,,,\n", 3, "status", "contradicts line 2"),
    ("centre_qianxi.construction,started,2024-06,,,\ncentre_qianxi,opened,2024-03,,,\n", 3, "status", "contradicts"),
    ("centre_qianxy,opened,2024-03,,,\n", 2, "id", "did you mean 'centre_qianxi'"),
    ("centre_qianxi,started,2024-03,,,\n", 2, "status", "expected one of opened, opened_by, not_opened_by"),
    ("centre_qianxi,opened,2027-03,,,\n", 2, "date", "outside the scenario's months"),
    ("centre_qianxi,opened,2024-3,,,\n", 2, "date", "YYYY-MM"),
    ("jobs_2025,observed,2026-04,lots,,\n", 2, "value", "observed value"),
    ("jobs_2025,observed,2025-06,9000,,\n", 2, "date", "before the end of 2025"),
    ("village_coverage_2025,observed,2026-01,1.2,,\n", 2, "value", "fraction"),
    ("training,partial,2024-05,1.5,,\n", 2, "value", "between 0 and 1"),
    ("centre_qianxi,opened,2024-03,7,,\n", 2, "value", "empty"),
    ("jobs_2025,observed,2026-04,9000,,\njobs_2025,observed,2026-05,9500,,\n", 3, "value", "contradicts line 2"),
    ("centre_qianxi.preparation,started_by,2023-03,,,\n", 2, "status", "not_before"),
])
def test_bad_files_are_refused_naming_line_and_field(tmp_path: Path, plan: sc.Scenario, body: str, line: int,
                                                     field: str, words: str) -> None:
    p = _write(tmp_path, body)
    with pytest.raises(ProgressError) as exc:
        load(p, plan)
    msg = str(exc.value)
    assert f"progress.csv: line {line}: {field}:" in msg and words in msg, msg
    assert "\n" not in msg


def test_a_bad_header_is_refused(tmp_path: Path, plan: sc.Scenario) -> None:
    p = tmp_path / "progress.csv"
    p.write_text("id,status,when\n", encoding="utf-8")
    with pytest.raises(ProgressError, match="line 1: header"):
        load(p, plan)


def test_the_cli_refuses_a_bad_file_with_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    p = _write(tmp_path, "centre_qianxi,opened,2024-03,,,\ncentre_qianxi,not_opened_by,2024-12,,,\n")
    out = tmp_path / "out"
    rc, _, err = cli("run", str(PLAN), "--progress", str(p), "--out", str(out), "--replications", "20")
    assert rc == 2
    assert err.count("\n") == 1 and "progress.csv: line 3: status:" in err and "Traceback" not in err
    assert not out.exists()


def test_the_shipped_evidence_file_is_valid_for_the_plan(plan: sc.Scenario) -> None:
    prog = load(Path(PLAN).parent / "progress_2026.csv", plan)
    assert {r.id for r in prog.rows} == {"village_stations", "centre_qianxi", "centre_dafang"}
    assert all(r.source.startswith("http") and r.note for r in prog.rows)


# ---- observed targets -----------------------------------------------------------------------------


def test_observed_targets_are_decided_with_probability_0_or_1(tmp_path: Path) -> None:
    p = _write(tmp_path, "jobs_2025,observed,2026-04,9000,stats bureau,\nrevenue_2025,observed,2026-03,9.1e8,,\n"
                         "centre_qianxi,opened,2024-03,,,\n")
    out = tmp_path / "run"
    rc, _, err = cli("run", str(PLAN), "--progress", str(p), "--out", str(out), "--replications", "60", "--seed", "3",
                     "--lang", "en")
    assert rc == 0, err
    s = {t["id"]: t for t in json.loads((out / "summary.json").read_text(encoding="utf-8"))["targets"]}
    assert (s["jobs_2025"]["probability"], s["jobs_2025"]["probability_stderr"], s["jobs_2025"]["observed"]) == (0.0, 0.0, 9000)
    assert (s["revenue_2025"]["probability"], s["revenue_2025"]["observed"]) == (1.0, 9.1e8)
    assert "observed" not in s["parcels_inout_2025"]
    arrays = np.load(out / "arrays.npz")
    assert np.all(np.floor(arrays["opening"][:, 1]) == 14.0)  # centre_qianxi opened in 2024-03 in every replication
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Met" in html and "Missed" in html


def test_a_data_observation_of_exactly_the_series_and_year_decides_the_target(tmp_path: Path, plan: sc.Scenario) -> None:
    from expressim.calibration.observations import load as load_obs
    from expressim.model.analysis.observed import observed_targets

    csv = tmp_path / "mine.csv"
    csv.write_text("geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
                   "Bijie,express_volume_inout(快递进出口业务量),2025,3.5,亿件,,https://example.org/x,\n"
                   "Bijie,express_volume_inout(快递进出口业务量),2025-01..06,1.5,亿件,,https://example.org/y,\n",
                   encoding="utf-8")
    found = observed_targets(plan, load_obs([csv]))
    assert set(found) == {"parcels_inout_2025"}
    assert (found["parcels_inout_2025"].value, found["parcels_inout_2025"].met) == (3.5e8, False)


# ---- monitor --------------------------------------------------------------------------------------


def test_each_monitor_point_equals_run_until_that_date(tmp_path: Path, fitted: object,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Same seed and replications: the monitor's column at P is ``run --until P`` (data and progress cut at P).

    The calibration is the session's (patched in for both commands, so the test does not refit per date).
    """
    from expressim.model.cli import context as commands

    monkeypatch.setattr(commands, "fitted_for", lambda obs, **_: fitted)
    p = _write(tmp_path, "centre_qianxi,opened,2023-11,,a,\ncentre_nayong,not_opened_by,2024-12,,b,\n"
                         "jobs_2025,observed,2026-03,12000,c,\n")
    common = ["--progress", str(p), "--replications", "40", "--seed", "11"]
    rc, _, err = cli("monitor", str(PLAN), "--as-of", "2024-06", "2026-06", "--out", str(tmp_path / "mon"), *common)
    assert rc == 0, err
    mon = json.loads((tmp_path / "mon" / "monitor.json").read_text(encoding="utf-8"))
    assert mon["as_of"] == ["2024-06", "2026-06"]
    assert (tmp_path / "mon" / "figures" / "monitor_probability.png").stat().st_size > 1000
    # the fact in words, the project by its label (the region pack is Chinese: the report is too)
    assert "纳雍县共配中心 截至仍未投用 2024-12" in (tmp_path / "mon" / "report.html").read_text(encoding="utf-8")
    assert mon["targets"]["jobs_2025"]["observed"] == [None, 12000]
    assert mon["events"][1]["new_facts"] == ["centre_nayong not_opened_by 2024-12", "jobs_2025 observed 2026-03"]
    for i, when in enumerate(mon["as_of"]):
        out = tmp_path / f"run-{when}"
        rc, _, err = cli("run", str(PLAN), "--until", when, "--out", str(out), *common)
        assert rc == 0, err
        runs = {t["id"]: t for t in json.loads((out / "summary.json").read_text(encoding="utf-8"))["targets"]}
        for tid, t in mon["targets"].items():
            assert t["probability"][i] == runs[tid]["probability"], (when, tid)
    centres = mon["targets"]["centres_open_2024"]["probability"]
    assert centres[0] > 0.5 and centres[1] == 0.0  # nayong still closed at the end of 2024 once that is known


def test_as_of_points_every_quarter() -> None:
    from expressim.model.analysis.monitor import as_of_points

    assert as_of_points(None, "quarter", "2024-02", "2025-01") == ["2024-03", "2024-06", "2024-09", "2024-12"]
    assert as_of_points(["2025-12", "2024-12"]) == ["2024-12", "2025-12"]
    with pytest.raises(sc.ScenarioError, match="--as-of"):
        as_of_points(["2024-13"])
    with pytest.raises(sc.ScenarioError, match="expected --as-of"):
        as_of_points(None)


def test_a_year_that_is_over_is_never_on_track(tmp_path: Path) -> None:
    """Run as of 2024-12: the 2023 and 2024 targets are met / missed / unknown, not 'On track'."""
    p = _write(tmp_path, "training,done,2024-05,,bureau note,\nskills_contest,partial,2024-06,0.5,,\n")
    out = tmp_path / "run"
    rc, _, err = cli("run", str(PLAN), "--progress", str(p), "--until", "2024-12", "--out", str(out),
                     "--replications", "30", "--seed", "2", "--lang", "en")
    assert rc == 0, err
    html = (out / "report.html").read_text(encoding="utf-8")
    table = html[html.index("<h2>All targets</h2>"):html.index("Plan versus actual")]
    rows = [r for r in table.split("<tr") if "centres_2023" in r or "liquor_2023" in r or "centres_2024" in r]
    assert len(rows) == 3 and all("Unknown" in r and "On track" not in r for r in rows)
    tracked = html[html.index("Plan tasks tracked"):]
    assert "Done" in tracked and "2024-05" in tracked and "bureau note" in tracked and "Partly done (50%)" in tracked
    assert "Unknown (no progress row)" in tracked


# ---- engines, scenario key, reruns -------------------------------------------------------------------


def test_reference_engine_matches_vectorised_on_conditioned_draws(plan: sc.Scenario, fitted: object,
                                                                  tmp_path: Path) -> None:
    """Both engines read the conditioned uniforms and the imposed durations the same way."""
    from expressim.model.engine import ensemble
    from expressim.model.engine.conditioning import condition_draws
    from expressim.model.engine.oracle.reference import simulate_reference
    from expressim.model.engine.simulate import flatten_outputs

    prog = load(_write(tmp_path, "village_stations,opened_by,2024-07,,,\ncentre_qianxi,opened,2023-12,,,\n"
                                 "centre_zhijin,not_opened_by,2024-12,,,\n"), plan)
    comp, draws = ensemble.prepare(plan, fitted, replications=30, seed=4)
    draws, cond = condition_draws(comp, draws, prog.rollout_facts(plan), 4)
    assert cond.override is not None and cond.imposed == {2: 30}
    vec, ref = flatten_outputs(ensemble.execute(comp, fitted, draws)), flatten_outputs(simulate_reference(comp, fitted, draws))
    for k in vec:
        np.testing.assert_allclose(ref[k], vec[k], rtol=1e-9, atol=0.0, equal_nan=True, err_msg=k)
    assert np.all(np.floor(vec["opening"][:, 1]) == 11.0) and np.all(vec["opening"][:, 4] >= 24.0)
    np.testing.assert_array_equal(vec["opening"][:, -1], 18.5)


def test_the_scenario_progress_key_is_read_relative_to_the_scenario(tmp_path: Path) -> None:
    text = Path(PLAN).read_text(encoding="utf-8")
    (tmp_path / "plan.yaml").write_text(text + "\nprogress: facts/p.csv\n", encoding="utf-8")
    (tmp_path / "facts").mkdir()
    (tmp_path / "facts" / "p.csv").write_text(HEADER + "jobs_2025,observed,2026-04,12000,x,\n", encoding="utf-8")
    out = tmp_path / "run"
    rc, _, err = cli("run", str(tmp_path / "plan.yaml"), "--out", str(out), "--replications", "20", "--seed", "1")
    assert rc == 0, err
    s = {t["id"]: t for t in json.loads((out / "summary.json").read_text(encoding="utf-8"))["targets"]}
    assert (s["jobs_2025"]["probability"], s["jobs_2025"]["observed"]) == (1.0, 12000)
    rc, out_text, err = cli("run", "--check-manifest", str(out))
    assert rc == 0 and "reproduced" in out_text, err
    rc, out_text, _ = cli("validate", str(tmp_path / "plan.yaml"))
    assert rc == 0 and "1 progress rows" in out_text
    (tmp_path / "facts" / "p.csv").write_text(HEADER + "jobs_2025,observed,2025-04,12000,x,\n", encoding="utf-8")
    rc, _, err = cli("validate", str(tmp_path / "plan.yaml"))
    assert rc == 2 and "p.csv: line 2: date:" in err


def test_latest_opening_refuses_a_progress_file(tmp_path: Path) -> None:
    p = _write(tmp_path, "centre_qianxi,opened,2024-03,,,\n")
    rc, _, err = cli("compare", str(PLAN), "--latest-opening", "centre_qianxi", "--target", "parcels_inout_2025",
                     "--progress", str(p), "--out", str(tmp_path / "x"))
    assert rc == 2 and "--progress" in err


def test_observed_values_survive_saving_and_loading(tmp_path: Path) -> None:
    from expressim.model.store.run_files import load_run as load_results

    p = _write(tmp_path, "jobs_2025,observed,2026-04,9000,src,\n")
    out = tmp_path / "run"
    rc, _, err = cli("run", str(PLAN), "--progress", str(p), "--out", str(out), "--replications", "20", "--seed", "1")
    assert rc == 0, err
    s = {t.id: t for t in load_results(out).summary()}
    assert (s["jobs_2025"].observed, s["jobs_2025"].probability, s["jobs_2025"].observed_source) == (9000, 0.0, "src")


def test_without_until_a_run_speaks_as_of_its_own_month(observations: object) -> None:
    """In December 2026 the 2025 targets are over: unknown (not observed), never 'On track'."""
    from types import SimpleNamespace

    from expressim.model.viz.progress_report import as_of_month, target_status, year_over

    dec_2026 = 2026 * 12 + 11
    assert as_of_month(observations, None, None, dec_2026) == dec_2026
    assert as_of_month(observations, None, "2024-06", dec_2026) == 2024 * 12 + 5  # --until wins
    assert as_of_month(observations, None, None) == 2025 * 12 + 11  # the shipped data end in 2025
    assert year_over(2025, dec_2026) and not year_over(2025, 2025 * 12 + 10)
    s = SimpleNamespace(observed=None, year=2025, probability=0.8)
    assert target_status(s, dec_2026, ("green", "On track"))[1].startswith("Unknown")
