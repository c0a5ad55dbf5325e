"""``expressim compare``: paired differences on common random numbers, the output files, the
latest-opening search on a scenario whose answer is known exactly, escaping, and exit codes."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import PLAN, ROOT

from expressim.model import cli
from expressim.model.analysis.compare import paired_difference
from expressim.model.analysis.latest_opening import (
    OpeningPoint,
    earliest_shift,
    latest_admissible,
    opening_label,
    select_projects,
)
from expressim.model.cli.compare import cmd_compare
from expressim.model.cli.options import CompareOptions, Warnings
from expressim.model.cli.program import parse_options
from expressim.model.spec.scenario import ScenarioError

DELAYED = ROOT / "scenarios" / "delayed.yaml"


@pytest.fixture(scope="module", autouse=True)
def _mpl_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep matplotlib's font cache out of $HOME (docs/architecture.md)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("MPLCONFIGDIR", str(tmp_path_factory.mktemp("mpl")))
    yield
    mp.undo()


def _args(*argv: str) -> CompareOptions:
    opts = parse_options(["-q", "compare", *argv])
    assert isinstance(opts, CompareOptions)
    return opts


@pytest.fixture(scope="module")
def plan_vs_delayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 400-replication comparison of the plan and the delayed timeline."""
    out = tmp_path_factory.mktemp("cmp") / "out"
    cmd_compare(_args(str(PLAN), str(DELAYED), "--replications", "400", "--out", str(out)), Warnings())
    return out


# ---- paired differences --------------------------------------------------------------------------

def test_paired_difference_by_hand() -> None:
    a = np.array([1, 1, 0, 0], dtype=bool)
    b = np.array([1, 0, 0, 0], dtype=bool)
    d = paired_difference(a, b)
    assert d.difference == pytest.approx(-0.25)
    assert d.stderr == pytest.approx(0.5 / 2)  # sd(d) with n - 1 = 0.5, / sqrt(4)
    assert d.unpaired_stderr == pytest.approx(np.sqrt((1 / 3 + 0.25) / 4))
    assert (d.first_only, d.this_only) == (1, 0)
    assert d.mcnemar_p == pytest.approx(1.0)
    same = paired_difference(a, a)
    assert same.difference == same.stderr == 0.0 and same.mcnemar_p == 1.0


def test_paired_intervals_narrower_than_unpaired(plan_vs_delayed: Path) -> None:
    comp = json.loads((plan_vs_delayed / "comparison.json").read_text(encoding="utf-8"))
    widths = {}
    for t in comp["targets"]:
        d = t["differences"]["delayed"]
        paired = d["ci_high"] - d["ci_low"]
        unpaired = d["unpaired_ci_high"] - d["unpaired_ci_low"]
        # common random numbers make the outcomes positively correlated: never wider
        assert paired <= unpaired + 1e-12, t["id"]
        widths[t["id"]] = (paired, unpaired)
    for tid in ("parcels_inout_2025", "revenue_2025", "jobs_2025", "online_shopping_2025"):
        paired, unpaired = widths[tid]
        assert 0 < paired < 0.8 * unpaired, (tid, paired, unpaired)
    # the delay lowers the in+out volume probability, and the pairing sees it clearly
    d = next(t for t in comp["targets"] if t["id"] == "parcels_inout_2025")["differences"]["delayed"]
    assert d["ci_high"] < 0


def test_comparison_outputs_shape(plan_vs_delayed: Path) -> None:
    comp = json.loads((plan_vs_delayed / "comparison.json").read_text(encoding="utf-8"))
    assert comp["scenarios"] == ["plan", "delayed"]
    assert comp["replications"] == 400 and comp["seed"] == 20230423
    assert [r["replications"] for r in comp["scenario_runs"]] == [400, 400]
    assert {r["seed"] for r in comp["scenario_runs"]} == {20230423}
    ids = [t["id"] for t in comp["targets"]]
    assert "parcels_inout_2025" in ids and "centres_2025" in ids and len(ids) == len(set(ids))
    for t in comp["targets"]:
        assert {"id", "label", "year", "by_scenario", "differences"} <= set(t)
        assert set(t["by_scenario"]) == {"plan", "delayed"}
        for b in t["by_scenario"].values():
            assert 0.0 <= b["probability"] <= 1.0 and b["probability_stderr"] >= 0.0
        assert set(t["differences"]) == {"delayed"}
        d = t["differences"]["delayed"]
        assert d["ci_low"] <= d["difference"] <= d["ci_high"]
        assert d["unpaired_ci_low"] <= d["difference"] <= d["unpaired_ci_high"]
        assert d["difference"] == pytest.approx(t["by_scenario"]["delayed"]["probability"]
                                                - t["by_scenario"]["plan"]["probability"])
    with (plan_vs_delayed / "comparison.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * len(ids)
    assert {"target", "scenario", "probability", "difference", "ci_low", "ci_high"} <= set(rows[0])
    man = json.loads((plan_vs_delayed / "manifest.json").read_text(encoding="utf-8"))
    # the two scenarios and their (shared) region pack, whose contents change results too
    assert man["seed"] == 20230423 and len(man["inputs"]) == 3 and set(man["results_sha256"]) == {"plan", "delayed"}
    figs = {p.name for p in (plan_vs_delayed / "figures").glob("*.png")}
    assert {"probabilities.png", "fan_parcels_inout.png", "difference_parcels_inout_2025.png"} <= figs
    html = (plan_vs_delayed / "report.html").read_text(encoding="utf-8")
    assert "delayed" in html and "data:image/png;base64," in html


def test_delayed_is_the_plan_shifted_a_year(fitted: Any) -> None:
    """delayed.yaml equals every plan project shifted +12 months, draw for draw (common random numbers)."""
    from expressim.model.engine import ensemble
    from expressim.model.engine.rollout import shift_projects
    from expressim.model.engine.simulate import compile_scenario
    from expressim.model.spec import scenario as sc
    from expressim.model.spec.regions import load_pack
    from expressim.model.store.run_files import results_digest

    plan, delayed = sc.load(PLAN), sc.load(DELAYED)
    specs = compile_scenario(plan, load_pack(plan.region_pack)).projects
    shifted = ensemble.run(plan, fitted, replications=100, projects=shift_projects(specs, [p.id for p in specs], 12))
    late = ensemble.run(delayed, fitted, replications=100)
    assert results_digest(shifted) == results_digest(late)


# ---- latest opening --------------------------------------------------------------------------------

SYNTHETIC = """
name: one_centre
description: one county centre with fixed durations, opening 2023-09 as written
start: 2023-01
horizon: 2025-12
replications: 50
seed: 7
projects:
  - id: centre_qianxi
    kind: county_centre
    region: Qianxi
    phases:
      - {name: preparation, not_before: 2023-03, duration: {dist: fixed, value: 2}}
      - {name: construction, duration: {dist: fixed, value: 3}}
      - {name: commissioning, duration: {dist: fixed, value: 1}}
targets:
  - {id: open_2023, label: centre open in 2023, metric: projects_open, year: 2023, threshold: 1, unit: 个,
     projects: [centre_qianxi]}
"""


def test_latest_opening_known_answer(tmp_path: Path) -> None:
    """Opening = 2 (not_before) + 2 + 3 + 1 = 8 months after the start, so P(open by the end of 2023)
    is 1 for shifts up to +4 months and 0 from +5: the latest opening is 2023-12."""
    scn = tmp_path / "one_centre.yaml"
    scn.write_text(SYNTHETIC, encoding="utf-8")
    out = tmp_path / "latest"
    cmd_compare(_args(str(scn), "--latest-opening", "county_centre", "--target", "open_2023",
                      "--probability", "0.8", "--out", str(out)), Warnings())
    r = json.loads((out / "latest_opening.json").read_text(encoding="utf-8"))
    assert r["projects"] == ["centre_qianxi"]
    assert r["grid_months"] == [-2, 24]  # not before the scenario start
    curve = {c["shift_months"]: c["probability"] for c in r["curve"]}
    assert all(curve[s] == 1.0 for s in range(-2, 5)) and all(curve[s] == 0.0 for s in range(5, 25))
    assert r["latest_shift_months"] == 4
    assert r["latest"]["median_opening"] == {"centre_qianxi": "2023-12"}
    assert r["latest"]["median_opening_months"]["centre_qianxi"] == pytest.approx(12.0)
    assert r["without_projects"]["probability"] == 0.0
    assert (out / "figures" / "latest_opening.png").stat().st_size > 1000
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["kind"] == "latest_opening"


def _pt(shift: int, p: float, se: float = 0.01) -> OpeningPoint:
    return OpeningPoint(shift, p, se, p - 1.6448536269514722 * se, {}, 0.0, 0.0, 0.0)


def test_the_lower_bound_is_wilsons_and_below_one_when_every_replication_attains() -> None:
    from expressim.model.analysis.latest_opening import wilson_bounds

    z = 1.6448536269514722  # one-sided 95%
    for n in (10, 100, 2000):  # at p = 1 the Wilson lower end is n / (n + z^2) (closed form); Wald gives 1
        assert wilson_bounds(n, n)[0] == pytest.approx(n / (n + z * z), rel=1e-12) and wilson_bounds(n, n)[0] < 1.0
    # p = 0.8, n = 400: centre (p + z^2/2n) / (1 + z^2/n) minus z / (1 + z^2/n) * sqrt(p q / n + z^2 / 4n^2)
    n, p = 400, 0.8
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    assert wilson_bounds(320, 400)[0] == pytest.approx(centre - half, rel=1e-12)


def test_latest_admissible_ignores_isolated_lucky_points() -> None:
    pts = [_pt(0, 0.9), _pt(1, 0.85), _pt(2, 0.81), _pt(3, 0.79), _pt(4, 0.83)]
    best = latest_admissible(pts, 0.8)
    assert best is not None and best.shift == 1  # 0.81 - 1.645 * 0.01 < 0.8; +4 lies beyond a failure
    assert latest_admissible([_pt(0, 0.5)], 0.8) is None


def test_selection_and_grid_helpers() -> None:
    from expressim.calibration.distributions import Fixed
    from expressim.model.engine.rollout import PhaseSpec, ProjectSpec

    ids, kinds = ["hub", "c1", "c2"], ["hub", "county_centre", "county_centre"]
    assert select_projects(ids, kinds, "county_centre") == ("c1", "c2")
    assert select_projects(ids, kinds, "hub") == ("hub",)
    assert select_projects(ids, kinds, "all") == tuple(ids)
    with pytest.raises(ScenarioError, match="no such project or kind"):
        select_projects(ids, kinds, "airport")
    one = Fixed(value=1.0)
    specs = [ProjectSpec("a", "hub", "all", (PhaseSpec("p", one, 4.0),)),
             ProjectSpec("b", "hub", "all", (PhaseSpec("p", one, 9.5),))]
    assert earliest_shift(specs, ["a", "b"]) == -4 and earliest_shift(specs, ["b"]) == -9
    assert opening_label(2023 * 12, 12.0) == "2023-12" and opening_label(2023 * 12, 12.5) == "2024-01"


# ---- escaping and errors -----------------------------------------------------------------------------

def test_hostile_name_is_escaped(tmp_path: Path) -> None:
    text = PLAN.read_text(encoding="utf-8").replace("name: plan\n", 'name: "<script>alert(1)</script>$x$"\n', 1)
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    cmd_compare(_args(str(PLAN), str(hostile), "--replications", "50", "--out", str(out)), Warnings())
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    comp: dict[str, Any] = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert comp["scenarios"][1] == "<script>alert(1)</script>$x$"  # data stays data


def test_cli_broken_yaml_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\nstart: 2023-01\n", encoding="utf-8")
    assert cli.main(["compare", str(PLAN), str(broken), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "broken.yaml" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
    assert cli.main(["compare", "--latest-opening", "airport", "--target", "parcels_inout_2025", str(PLAN)]) == 2
    assert "airport" in capsys.readouterr().err
    assert cli.main(["compare", "--latest-opening", "all", "--target", "nope", str(PLAN)]) == 2
    assert "nope" in capsys.readouterr().err
