"""Fan charts show history (issue 20): the region's calibrated observations up to the data's end are drawn on
the run's and the comparison's fan charts, labelled in the legend in Chinese and in English; without any, the
legend says the data hold none."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="expressim-mpl-"))  # no cache in $HOME

import pytest  # noqa: E402
from helpers import ROOT, cli  # noqa: E402

import expressim.model.spec  # noqa: E402,F401 - registers the region packs' names
from expressim.calibration.observations import load  # noqa: E402
from expressim.model.store.run_files import load_run as load_results  # noqa: E402
from expressim.model.viz import run_figures as rf  # noqa: E402

HEADER = "geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
PLAN_2030 = ROOT / "scenarios" / "plan_2030.yaml"
SHIPPED = ROOT / "calibration" / "data"


def _mine(tmp: Path, inout: str = "3.2", name: str = "mine.csv") -> Path:
    p = tmp / name
    p.write_text(HEADER + f"毕节市,快递进出口业务量,2024,{inout},亿件,,,\n"
                          "Bijie(毕节市),express_volume(快递业务量),2024,1.1,亿件,10,,\n"
                          "Bijie,express_volume_inbound,2023,1.9,亿件,,,\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("fan")
    out = tmp / "run"
    rc, _, err = cli("-q", "run", str(PLAN_2030), "--replications", "60", "--seed", "3", "--out", str(out),
                     "--data", str(SHIPPED), "--data", str(_mine(tmp)), "--lang", "zh")
    assert rc == 0, err
    return out


def test_history_is_the_regions_calibrated_years(tmp_path: Path) -> None:
    obs = load([SHIPPED, _mine(tmp_path)])
    hist, note = rf.history_for(obs, "parcels_inout", "Bijie")
    assert hist[2024] == pytest.approx(3.2e8) and note is not None and note["end"] == "2025-12"
    out, note_out = rf.history_for(obs, "parcels_out", "Bijie")
    assert out == {2024: pytest.approx(1.1e8), 2023: pytest.approx(1.0e8)} and note_out["implied"] == [2023]
    hist, note = rf.history_for(obs, "parcels_inout", "Bijie")  # 2023: collected (implied) + delivered
    assert hist[2023] == pytest.approx(1.0e8 + 1.9e8) and 2023 in note["implied"] and 2024 not in note["implied"]
    cut = load([SHIPPED, _mine(tmp_path)], until="2023")  # up to the data's end only
    assert 2024 not in rf.history_for(cut, "parcels_inout", "Bijie")[0]
    none, note = rf.history_for(load(None), "revenue", "Bijie")
    assert none == {} and note is not None  # the shipped data hold no revenue of the region: said in the legend


@pytest.mark.parametrize("lang, words", [("zh", "毕节市实际值（数据截至 2025-12）"), ("en", "observed, Bijie (data to 2025-12)")])
def test_the_fan_chart_draws_the_points_with_a_legend(run: Path, tmp_path: Path, lang: str, words: str) -> None:
    res = load_results(run)
    for v in ("3.2", "4.5"):  # the point follows the observed value
        obs = load([SHIPPED, _mine(tmp_path, v, f"mine_{v}.csv")])
        hist, note = rf.history_for(obs, "parcels_inout", "Bijie")
        note["region"] = rf.region_display(res, "Bijie", lang)
        ax = rf.fan_chart(res, "parcels_inout", lang=lang, history=hist, history_note=note)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert words in labels
        line = next(ln for ln in ax.get_lines() if ln.get_label() == words)
        assert dict(zip(line.get_xdata(), line.get_ydata(), strict=True))[2024] == pytest.approx(float(v))
    ax = rf.fan_chart(res, "revenue", lang=lang, history={}, history_note={"region": "R", "end": "2025-12"})
    assert any(("R" in t.get_text() and ("no observed" in t.get_text() or "无" in t.get_text()))
               for t in ax.get_legend().get_texts())


def test_run_and_compare_fans_are_drawn_with_history(run: Path, tmp_path: Path) -> None:
    assert (run / "figures" / "fan_parcels_inout.png").stat().st_size > 10_000
    out = tmp_path / "cmp"
    rc, _, err = cli("-q", "compare", str(PLAN_2030), str(ROOT / "scenarios" / "plan_2030_delayed.yaml"),
                     "--replications", "30", "--seed", "3", "--out", str(out), "--data", str(SHIPPED),
                     "--data", str(_mine(tmp_path)), "--lang", "en")
    assert rc == 0, err
    assert (out / "figures" / "fan_parcels_inout.png").stat().st_size > 10_000
