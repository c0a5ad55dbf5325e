"""Target setting (issue 20): the levels reached with probability 0.8 / 0.5 / 0.2 in a run and side by side in a
comparison, and the parcels, revenue and jobs a delay costs, by year and county, with 80% intervals of the
paired replications (model/analysis/planning.py)."""

from __future__ import annotations

import csv
import os
import re
import tempfile
from pathlib import Path

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="expressim-mpl-"))  # no cache in $HOME

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from helpers import ROOT, cli  # noqa: E402

from expressim.model.analysis import planning  # noqa: E402

PLAN_2030 = ROOT / "scenarios" / "plan_2030.yaml"
DELAYED = ROOT / "scenarios" / "plan_2030_delayed.yaml"
N = "300"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _delayed(tmp: Path, months: int) -> Path:
    """plan_2030_delayed with Weining's and Hezhang's preparation gate moved to 2025-01 + ``months``."""
    m = 2025 * 12 + months
    text = DELAYED.read_text(encoding="utf-8").replace("not_before: 2026-07", f"not_before: {m // 12}-{m % 12 + 1:02d}")
    p = tmp / f"delayed_{months}.yaml"
    p.write_text(text.replace("name: plan_2030_delayed", f"name: delayed_{months}"), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("planning")
    out = {"run": tmp / "run", "cmp": tmp / "cmp", "cmp30": tmp / "cmp30"}
    rc, _, err = cli("-q", "run", str(PLAN_2030), "--replications", N, "--seed", "7", "--out", str(out["run"]),
                     "--lang", "en")
    assert rc == 0, err
    rc, stdout, err = cli("compare", str(PLAN_2030), str(DELAYED), "--replications", N, "--seed", "7",
                          "--out", str(out["cmp"]), "--lang", "zh")
    assert rc == 0, err
    out["stdout"] = stdout  # type: ignore[assignment]
    rc, _, err = cli("-q", "compare", str(PLAN_2030), str(DELAYED), str(_delayed(tmp, 30)), "--replications", N,
                     "--seed", "7", "--out", str(out["cmp30"]), "--lang", "en")
    assert rc == 0, err
    return out


def test_the_levels_are_the_percentiles_that_give_the_targets_their_probability(runs: dict[str, Path]) -> None:
    rows = _csv(runs["run"] / "target_levels.csv")
    targets = _csv(runs["run"] / "targets.csv")
    metrics = {r["metric"] for r in rows}
    assert {"parcels_inout", "revenue", "jobs"} <= metrics
    assert {int(r["year"]) for r in rows} == set(range(2023, 2031))  # every year of the horizon
    for r in rows:
        assert float(r["level_p80"]) <= float(r["level_p50"]) <= float(r["level_p20"])
    by = {(r["metric"], int(r["year"])): r for r in rows}
    for t in targets:
        key = (t["metric"], int(t["year"]))
        if key not in by or t["observed"]:
            continue
        r, p = by[key], float(t["probability"])
        # a threshold below the P0.8 level is met with P >= 0.8 (up to Monte-Carlo noise), above P0.2 with P <= 0.2
        if float(t["threshold"]) < float(r["level_p80"]) * 0.97:
            assert p >= 0.8 - 0.05, t["id"]
        if float(t["threshold"]) > float(r["level_p20"]) * 1.03:
            assert p <= 0.2 + 0.05, t["id"]
        if float(r["level_p50"]) * 1.1 < float(t["threshold"]) or float(t["threshold"]) < float(r["level_p50"]) * 0.9:
            assert (p >= 0.5) == (float(t["threshold"]) <= float(r["level_p50"])), t["id"]
    assert by[("parcels_inout", 2030)]["thresholds"] == "8e+08"


def test_the_run_report_and_workbook_show_the_levels(runs: dict[str, Path]) -> None:
    from openpyxl import load_workbook

    html = (runs["run"] / "report.html").read_text(encoding="utf-8")
    assert "Target levels P 0.8, 0.5, 0.2" in html and "Reached with P = 0.8" in html
    assert (runs["run"] / "figures" / "target_levels.png").stat().st_size > 10_000
    wb = load_workbook(runs["run"] / "results.xlsx")
    ws = wb["Target levels P 0.8, 0.5, 0.2"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "parcels in + out" and r[1] == 2030]
    csv_row = next(r for r in _csv(runs["run"] / "target_levels.csv")
                   if r["metric"] == "parcels_inout" and r["year"] == "2030")
    assert rows and rows[0][3] == pytest.approx(float(csv_row["level_p80"]) / 1e8, abs=0.006)  # in 亿件


def test_a_delay_costs_parcels_only_where_the_centres_are_late(runs: dict[str, Path]) -> None:
    rows = _csv(runs["cmp"] / "cumulative_difference.csv")
    parcels = [r for r in rows if r["metric"] == "parcels_inout"]
    late = {"Weining", "Hezhang"}
    for r in parcels:
        if r["county"] not in late | {"total"}:  # common random numbers: the other counties are untouched
            assert float(r["cumulative_p10"]) == float(r["cumulative_p90"]) == 0.0, r
    end = {r["county"]: r for r in parcels if r["year"] == "2030"}
    for c in late:
        assert float(end[c]["cumulative_mean"]) < 0 and float(end[c]["cumulative_p90"]) < 0  # lost in most futures
    # counties add up to the region, replication by replication (so the means add up too)
    assert float(end["total"]["cumulative_mean"]) == pytest.approx(
        sum(float(end[c]["cumulative_mean"]) for c in end if c != "total"), rel=1e-9)
    # nothing is lost before the centres were due to open
    assert all(float(r["cumulative_mean"]) == 0.0 for r in parcels if int(r["year"]) <= 2024)
    for m in ("revenue", "jobs"):
        tot = next(r for r in rows if r["metric"] == m and r["county"] == "total" and r["year"] == "2030")
        assert float(tot["cumulative_mean"]) < 0


def test_the_comparison_reports_the_years_that_differ_by_county(runs: dict[str, Path]) -> None:
    import json

    from openpyxl import load_workbook

    comp = json.loads((runs["cmp"] / "comparison.json").read_text(encoding="utf-8"))
    cd = comp["cumulative_difference"]["plan_2030_delayed"]
    assert cd["years"][0] == 2026 and cd["years"][1] in (2027, 2028)  # the late opening costs 2026-28
    tot = next(t for t in cd["totals"] if t["metric"] == "parcels_inout" and t["county"] == "total")
    assert tot["p10"] < tot["mean"] < tot["p90"] <= 0
    html = (runs["cmp"] / "report.html").read_text(encoding="utf-8")
    assert "威宁县" in html and "赫章县" in html and "80% 区间" in html  # counties by their names, in Chinese
    answers = html[html.index('<section class="answers">'):html.index("</section>")]
    assert "plan_2030_delayed 与 plan_2030 相比" in answers and "快递进出口业务量" in answers
    assert "plan_2030_delayed 与 plan_2030 相比" in str(runs["stdout"])  # and on stdout
    wb = load_workbook(runs["cmp"] / "results.xlsx")
    assert any(n.startswith("分区县增减") for n in wb.sheetnames) and "逐年累计增减" in wb.sheetnames
    assert any(n.startswith("目标设定") for n in wb.sheetnames)
    levels = _csv(runs["cmp"] / "target_levels.csv")
    assert {r["scenario"] for r in levels} == {"plan_2030", "plan_2030_delayed"}
    for name in ("target_levels.png", "cumulative_difference.png"):
        assert (runs["cmp"] / "figures" / name).stat().st_size > 10_000


def test_a_longer_delay_loses_more(runs: dict[str, Path]) -> None:
    rows = _csv(runs["cmp30"] / "cumulative_difference.csv")

    def lost(scenario: str, county: str) -> float:
        return float(next(r["cumulative_mean"] for r in rows if r["scenario"] == scenario and r["county"] == county
                          and r["metric"] == "parcels_inout" and r["year"] == "2030"))

    for c in ("Weining", "Hezhang", "total"):
        assert lost("delayed_30", c) < lost("plan_2030_delayed", c) < 0, c
    html = (runs["cmp30"] / "report.html").read_text(encoding="utf-8")
    assert len(re.findall(r"By county \d{4}–\d{4} · ", html)) == 2  # one gain-or-loss table per other scenario


def test_levels_follow_the_direction_of_the_targets() -> None:
    class R:
        years = [2024, 2025]
        metrics = {"x": np.arange(1000.0)[:, None] * np.ones((1, 2))}

        class scenario:  # noqa: N801 - a stand-in for Scenario
            name = "s"
            targets: list[object] = []

    lv = planning.target_levels(R, "x")
    assert lv[:, 0] == pytest.approx(np.quantile(np.arange(1000.0), [0.2, 0.5, 0.8]))
    assert (R.metrics["x"][:, 0] >= lv[0, 0]).mean() == pytest.approx(0.8, abs=0.002)

    class T:
        metric, comparison, year, threshold = "x", "<=", 2025, 10.0

    R.scenario.targets = [T]
    lv = planning.target_levels(R, "x")  # "at most": the level reached with P = 0.8 is the 80th percentile
    assert (R.metrics["x"][:, 0] <= lv[0, 0]).mean() == pytest.approx(0.8, abs=0.002)
