"""A third region pack, written by following docs/region_packs.md alone, runs end to end.

Everything here is SYNTHETIC (a made-up province and prefecture, made-up figures, every row noted
``synthetic test``): it proves that a prefecture of another province is a pack file and a data file, with
no change to the code.  Steps as the docs give them: the data CSV, the pack, ``calibrate --region``,
``forecast --region``, a scenario naming the pack and the data, ``validate`` and ``run``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, cli

SHIPPED = ROOT / "calibration" / "data"
HEADER = "geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
NOTE = "synthetic test"

#: the province's parcels [亿件] by year, its census population [万人]; the prefecture's own releases
PROVINCE_VOLUME = {2019: 5.0, 2020: 6.1, 2021: 7.3, 2022: 7.9, 2023: 9.4, 2024: 11.2}
PREFECTURE_VOLUME = {"2022": 0.52, "2023-H1": 0.29, "2023": 0.61}


def _data(folder: Path) -> Path:
    rows = [f"Westland(西地省),express_volume(快递业务量),{y},{v},亿件,,,{NOTE}" for y, v in PROVINCE_VOLUME.items()]
    rows.append(f"Westland(西地省),express_revenue(快递业务收入),2023,{9.4 * 10.5:.2f},亿元,,,{NOTE}")
    rows.append(f"Westland(西地省),resident_population_census(七普常住人口),2020-11-01,3000,万人,,,{NOTE}")
    rows += [f"Eastvale(东谷市),express_volume(快递业务量),{p},{v},亿件,,,{NOTE}" for p, v in PREFECTURE_VOLUME.items()]
    f = folder / "data.csv"
    f.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return f


def _pack(folder: Path) -> Path:
    pack = {
        "name": "synthetic",
        "province": "Westland",
        "prefecture": "Eastvale",
        "names": {"province": "西地省", "prefecture": "东谷市"},
        "counties": [
            {"id": "Centre", "name": "中心区", "population": 800000, "townships": 12, "source": NOTE},
            {"id": "North", "name": "北县", "population": 500000, "townships": 18, "source": NOTE},
            {"id": "Hills", "name": "山县", "population": 300000, "townships": 9, "source": NOTE},
        ],
        "urban_county": "Centre",
        "specialty_lines": {"liquor": "Hills"},
        "register": {
            "local_collected_intensity": {"dist": "lognormal", "median": 0.8, "sigma": 0.6, "unit": "ratio",
                                          "description": "Eastvale parcels collected per person / Westland's",
                                          "source": f"assumption: {NOTE}"},
        },
    }
    f = folder / "pack.yaml"
    f.write_text(yaml.safe_dump(pack, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return f


def _scenario(folder: Path) -> Path:
    centre = {"id": "centre_north", "kind": "county_centre", "region": "North", "label": "北县共配中心",
              "phases": [{"name": "construction", "not_before": "2025-01",
                          "duration": {"dist": "triangular", "low": 4, "mode": 6, "high": 10, "unit": "months",
                                       "source": NOTE}}]}
    scn = {"name": "synthetic_plan", "description": NOTE, "start": "2025-01", "horizon": "2026-12",
           "replications": 50, "seed": 3, "region_pack": "pack.yaml",
           "calibration": {"data": [str(SHIPPED), "data.csv"]},
           "projects": [centre],
           "targets": [{"id": "out_2026", "label": "收寄 0.7亿件 (synthetic)", "metric": "parcels_out", "year": 2026,
                        "threshold": 7.0e7, "unit": "件", "headline": True},
                       {"id": "north_open_2026", "label": "北县中心投用", "metric": "projects_open", "year": 2026,
                        "threshold": 1, "unit": "个", "projects": ["centre_north"]}]}
    f = folder / "synthetic.yaml"
    f.write_text(yaml.safe_dump(scn, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return f


@pytest.fixture(scope="module")
def mine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mine")
    _data(folder)
    _pack(folder)
    _scenario(folder)
    return folder


def test_calibrate_fits_the_pack_hierarchy(mine: Path, tmp_path: Path) -> None:
    rc, out, err = cli("calibrate", "--region", str(mine / "pack.yaml"), "--data", str(SHIPPED),
                       "--data", str(mine / "data.csv"), "--out", str(tmp_path / "cal"))
    assert rc == 0, err
    fitted = json.loads((tmp_path / "cal" / "fitted.json").read_text(encoding="utf-8"))
    assert {k: fitted["levels"][k] for k in ("nation", "province", "prefecture")} == {
        "nation": "China", "province": "Westland", "prefecture": "Eastvale"}
    assert fitted["levels"]["counties"] == ["Centre", "North", "Hills"]
    # the prefecture's population is the counties' sum; the province's its census row in the data
    assert fitted["populations"]["Eastvale"] == 1_600_000 and fitted["populations"]["Westland"] == 3.0e7
    # what each observation moved: the headline forecasts are the pack's province and prefecture
    header = (tmp_path / "cal" / "what_moved.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "Westland express_volume" in header and "Eastvale express_volume_inout" in header


def test_forecast_of_the_prefecture_and_its_province(mine: Path) -> None:
    data = ["--data", str(SHIPPED), "--data", str(mine / "data.csv")]
    rc, out, err = cli("forecast", "--region", str(mine / "pack.yaml"), "--geography", "Eastvale",
                       "--indicator", "express_volume", "--period", "2025", "--json", *data)
    assert rc == 0, err
    res = json.loads(out)
    q = res["quantiles"]
    assert res["geography"] == "Eastvale" and q["0.05"] < q["0.5"] < q["0.95"]
    assert "counted history to 2023" in res["basis"]
    assert 0.3e8 < q["0.5"] < 2.0e8  # about the synthetic 0.61亿 of 2023 carried forward
    rc, out, err = cli("forecast", "--region", str(mine / "pack.yaml"), "--geography", "Westland",
                       "--indicator", "express_volume", "--period", "2023", "--json", *data)
    assert rc == 0, err
    assert json.loads(out)["quantiles"]["0.5"] == pytest.approx(9.4e8, rel=0.01)  # the published year


def test_a_scenario_of_the_pack_validates_and_runs(mine: Path, tmp_path: Path) -> None:
    scn = mine / "synthetic.yaml"
    rc, out, err = cli("validate", str(scn))
    assert rc == 0, err
    rc, out, err = cli("run", str(scn), "--out", str(tmp_path / "run"), "--quiet")
    assert rc == 0, err
    assert "region pack" not in err  # the calibration is the pack's own: no foreign-baseline warning
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] == "synthetic_plan" and summary["replications"] == 50
    assert [t["id"] for t in summary["targets"]] == ["out_2026", "north_open_2026"]
    assert all(0.0 <= t["probability"] <= 1.0 for t in summary["targets"])
    calibration = json.loads((tmp_path / "run" / "calibration.json").read_text(encoding="utf-8"))
    assert calibration["levels"]["prefecture"] == "Eastvale"
    annual = (tmp_path / "run" / "annual.csv").read_text(encoding="utf-8-sig")
    assert "parcels_out:North" in annual and "liquor_tonnes" in annual  # the pack's counties and roles


def test_rows_may_name_the_packs_places_in_chinese(mine: Path, tmp_path: Path) -> None:
    """A row naming a place of the analyst's own pack by its Chinese name alone (no bracket anywhere) is read
    as its key when the pack is given (``--region``), and refused in one line naming the row without it."""
    plain = tmp_path / "plain.csv"  # the pack's data with English keys only: no bracket names 东谷市
    text = (mine / "data.csv").read_text(encoding="utf-8")
    plain.write_text(text.replace("Westland(西地省)", "Westland").replace("Eastvale(东谷市)", "Eastvale"), encoding="utf-8")
    zh = tmp_path / "zh.csv"
    zh.write_text(HEADER + f"东谷市,快递业务量,2024,0.72,亿件,,,{NOTE}\n", encoding="utf-8")
    args = ["forecast", "--geography", "Eastvale", "--indicator", "express_volume", "--period", "2024", "--json",
            "--data", str(SHIPPED), "--data", str(plain), "--data", str(zh)]
    rc, out, err = cli(*args, "--region", str(mine / "pack.yaml"))
    assert rc == 0, err
    assert json.loads(out)["quantiles"]["0.5"] == pytest.approx(0.72e8, rel=0.01)  # the row, read as Eastvale
    assert "no region pack and no shipped file knows" not in err
    rc, _, err = cli(*args)
    assert rc == 2 and f"{zh}:2" in err and "'东谷市'" in err and len(err.strip().splitlines()) == 1
