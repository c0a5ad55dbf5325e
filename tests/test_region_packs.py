"""Region packs are data: the shipped Bijie pack and a synthetic second pack run end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import PLAN, ROOT, cli

from expressim.model.engine.simulate import compile_scenario
from expressim.model.spec import scenario as sc
from expressim.model.spec.regions import RegionError, load_pack

TOY = ROOT / "tests" / "data" / "toy_region_pack.yaml"
#: Bijie county of each plan project -> a county of the toy pack
TO_TOY = {"Qixingguan": "Beta", "Qianxi": "Alpha", "Nayong": "Alpha", "Dafang": "Gamma", "Zhijin": "Gamma",
          "Jinsha": "Gamma", "Weining": "Alpha", "Hezhang": "Beta"}


def _toy_scenario(tmp_path: Path, pack: Path = TOY) -> Path:
    d = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    d["name"] = "toy"
    d["region_pack"] = str(pack)
    for p in d["projects"]:
        p["region"] = TO_TOY.get(p["region"], p["region"])
    f = tmp_path / "toy.yaml"
    f.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    return f


def test_the_bijie_pack_comes_from_its_data_file() -> None:
    pack = load_pack("bijie")
    shipped = yaml.safe_load((ROOT / "model" / "spec" / "region_packs" / "bijie.yaml").read_text(encoding="utf-8"))
    assert pack.ids == [c["id"] for c in shipped["counties"]]
    assert (pack.urban_county, pack.specialty_lines, pack.prefecture) == ("Qixingguan", {"liquor": "Jinsha"}, "Bijie")


def test_the_engine_takes_the_urban_and_specialty_counties_from_the_pack(tmp_path: Path) -> None:
    scn = sc.load(_toy_scenario(tmp_path))
    comp = compile_scenario(scn, load_pack(scn.region_pack))
    assert comp.county_ids == ("Alpha", "Beta", "Gamma")
    assert (comp.urban_index, comp.specialty_liquor_index) == (1, 2)
    assert comp.pop_shares.tolist() == pytest.approx([1 / 6, 1 / 2, 1 / 3])


@pytest.fixture
def shipped_fit(monkeypatch: pytest.MonkeyPatch, fitted: Any) -> None:
    """Commands use the session's fit of the shipped (Bijie) data instead of calibrating again."""
    from expressim.model.cli import context

    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)


@pytest.mark.usefixtures("shipped_fit")
def test_a_second_pack_runs_end_to_end(tmp_path: Path) -> None:
    f = _toy_scenario(tmp_path)
    assert cli("validate", str(f))[0] == 0
    rc, _, err = cli("run", str(f), "--replications", "40", "--seed", "3", "--out", str(tmp_path / "out"))
    assert rc == 0, err
    # the calibration is Bijie's: the run says its baseline parcels are not the pack's prefecture's
    assert "region pack 'toy' is for Toyland" in err and "Bijie's" in err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] == "toy" and summary["replications"] == 40 and summary["targets"]
    assert all(0.0 <= t["probability"] <= 1.0 for t in summary["targets"])


@pytest.mark.usefixtures("shipped_fit")
def test_monitor_and_compare_warn_once_about_a_foreign_pack(tmp_path: Path) -> None:
    f = _toy_scenario(tmp_path)
    rc, _, err = cli("monitor", str(f), "--as-of", "2024-12", "2025-12", "--replications", "20",
                     "--out", str(tmp_path / "mon"))
    assert rc == 0 and err.count("region pack 'toy' is for Toyland") == 1, err
    rc, _, err = cli("compare", str(f), str(f), "--replications", "20", "--out", str(tmp_path / "cmp"))
    assert rc == 0 and err.count("region pack 'toy' is for Toyland") == 1, err


@pytest.mark.usefixtures("shipped_fit")
def test_a_pack_for_the_calibrated_prefecture_gives_no_region_warning(tmp_path: Path) -> None:
    rc, _, err = cli("run", str(PLAN), "--replications", "40", "--seed", "3", "--out", str(tmp_path / "out"))
    assert rc == 0 and "region pack" not in err, err


def test_a_project_outside_the_pack_is_one_line(tmp_path: Path) -> None:
    f = _toy_scenario(tmp_path)
    f.write_text(f.read_text(encoding="utf-8").replace("region: Beta", "region: Qixingguan", 1), encoding="utf-8")
    rc, _, err = cli("validate", str(f))
    assert rc == 2 and err.count("\n") == 1 and "Qixingguan" in err and "toy pack" in err


def test_a_pack_naming_an_unknown_urban_county_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad_pack.yaml"
    bad.write_text(TOY.read_text(encoding="utf-8").replace("urban_county: Beta", "urban_county: Delta"),
                   encoding="utf-8")
    with pytest.raises(RegionError, match="urban_county: 'Delta' is not a county"):
        load_pack(str(bad))
    rc, _, err = cli("validate", str(_toy_scenario(tmp_path, bad)))
    assert rc == 2 and err.count("\n") == 1 and "region_pack" in err and "Delta" in err
