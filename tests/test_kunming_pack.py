"""The second real region: the kunming pack (Kunming in Yunnan) calibrates, forecasts and runs from the CLI.

With the data cut before Kunming's first release, its 2019-Q1 volume rests on its evidence-based prior
(an out-of-sample check of that prior: docs/region_packs.md gives the figures)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import ROOT, cli

from expressim.model.spec.regions import default_pack, load_pack, pack_for_geography

#: Kunming's published 2019-Q1 express volume (releases_2025.csv) [件]
PUBLISHED_2019Q1 = 5437.40e4


def test_the_pack_is_chosen_by_its_prefecture_or_province() -> None:
    assert default_pack() == "bijie"
    assert pack_for_geography("Kunming").name == "kunming" and pack_for_geography("Yunnan").name == "kunming"
    assert pack_for_geography("China").name == "bijie"
    levels = load_pack("kunming").levels()
    assert (levels.nation, levels.province, levels.prefecture, levels.counties) == ("China", "Yunnan", "Kunming",
                                                                                   ("Kunming",))
    assert levels.population == 8_460_088 and levels.province_population == 47_209_277


def test_forecast_before_the_first_release_rests_on_the_prior() -> None:
    rc, out, err = cli("forecast", "--geography", "Kunming", "--indicator", "express_volume", "--period", "2019-Q1",
                       "--until", "2018-12", "--json")
    assert rc == 0, err
    res = json.loads(out)
    q = res["quantiles"]
    assert res["geography"] == "Kunming" and "from its priors" in res["basis"]
    assert list(q.values()) == sorted(q.values())
    # the out-of-sample check: the published figure falls inside the prior's 80% band
    assert q["0.1"] < PUBLISHED_2019Q1 < q["0.9"], q


def test_forecast_with_its_releases_returns_the_published_window() -> None:
    rc, out, err = cli("forecast", "--geography", "Kunming", "--indicator", "express_volume", "--period", "2019-Q1",
                       "--json")
    assert rc == 0, err
    assert abs(json.loads(out)["quantiles"]["0.5"] / PUBLISHED_2019Q1 - 1) < 1e-4  # the release, within its rounding


def test_calibrate_and_run_the_kunming_scenario(tmp_path: Path) -> None:
    rc, _, err = cli("calibrate", "--region", "kunming", "--out", str(tmp_path / "cal"))
    assert rc == 0, err
    fitted = json.loads((tmp_path / "cal" / "fitted.json").read_text(encoding="utf-8"))
    assert fitted["levels"]["prefecture"] == "Kunming" and fitted["populations"]["Yunnan"] == 47_209_277
    scn = ROOT / "scenarios" / "kunming.yaml"
    assert cli("validate", str(scn))[0] == 0
    rc, _, err = cli("run", str(scn), "--replications", "60", "--out", str(tmp_path / "run"), "--quiet")
    assert rc == 0, err
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["targets"] == []  # forecast-only: no sourced target of Kunming's
    annual = (tmp_path / "run" / "annual.csv").read_text(encoding="utf-8-sig")
    assert "parcels_out,2025" in annual and "revenue,2026" in annual
