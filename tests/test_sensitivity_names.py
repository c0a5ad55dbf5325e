"""The sensitivity report and summary name every input in plain words (issue 20): no internal id
(``local_delivered_relative``, ``rollout:county_centre``, an id quoted in a description), in Chinese and in English,
including the conditions under which a target is missed (the PRIM box)."""

from __future__ import annotations

import html
import os
import re
import tempfile
from pathlib import Path

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="expressim-mpl-"))  # no cache in $HOME

import pytest  # noqa: E402
from helpers import ROOT, cli  # noqa: E402

from expressim.model.viz import sensitivity_report as sr  # noqa: E402

PLAN = ROOT / "scenarios" / "plan.yaml"
#: an internal id: snake_case words, or a factor key such as rollout:<kind> / baseline:<k>
INTERNAL = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b(?:rollout|baseline):\w")


def _visible(page: str) -> str:
    """The report's text a reader sees (the folded technical record left out)."""
    page = re.sub(r"<style>.*?</style>|<details>.*?</details>|<img[^>]*>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_and_the_summary_name_no_input_by_its_id(tmp_path: Path, lang: str) -> None:
    out = tmp_path / "sens"
    rc, stdout, err = cli("sensitivity", str(PLAN), "--samples", "8", "--replications", "200",
                          "--target", "parcels_inout_2025", "--target", "revenue_2025", "--out", str(out), "--lang", lang)
    assert rc == 0, err
    text = _visible((out / "report.html").read_text(encoding="utf-8"))
    assert INTERNAL.findall(text) == []
    lines = [ln for ln in stdout.splitlines()[1:] if ln.strip()]
    assert lines and all(INTERNAL.findall(re.split(r"[:：]", ln, maxsplit=1)[-1]) == [] for ln in lines)  # ids as labels only
    box = "目标未达成的条件" if lang == "zh" else "Conditions under which the target is missed"
    assert box in text and ("本地区人均" if lang == "zh" else "the region's parcels") in text


def test_a_box_is_said_with_names_units_and_shares() -> None:
    box = {"limits": {"local_delivered_relative": {"low": None, "high": 0.30164, "unit": "× national per capita"},
                      "rollout:centre_qianxi:construction": {"low": 6.0, "high": None, "unit": "months"}},
           "coverage": 0.98, "density": 0.81, "n": 134}
    en = sr.box_text(box, {"centre_qianxi": "县级共配中心 A"}, "en")
    assert en.startswith("the region's parcels delivered per person") and "≤ 0.3016 × the nation's parcels per person" in en
    assert "6 ≤ duration of construction at 县级共配中心 A months" in en and "holds 98% of the futures that miss" in en
    zh = sr.box_text(box, {"centre_qianxi": "县级共配中心 A"}, "zh")
    assert "本地区人均投递量相对全国的水平 ≤ 0.3016 × 全国人均快递量" in zh and "个月" in zh and "涵盖 98%" in zh
    assert INTERNAL.findall(en) == [] and INTERNAL.findall(zh) == []
    assert sr.box_text(None, {}, "en").startswith("no condition found")


@pytest.mark.parametrize("factor", ["rollout:county_centre", "rollout:hub", "rollout:stations", "baseline:3",
                                    "station_keepers_per_10k_parcels", "urban_collected_intensity"])
def test_every_kind_of_factor_has_a_plain_name(factor: str) -> None:
    descriptions = {"urban_collected_intensity": "parcels per person in the urban centre",
                    "station_keepers_per_10k_parcels": "keepers per parcel (station_keepers_per_10k_parcels)"}
    for lang in ("zh", "en"):
        name = sr.input_name(factor, descriptions, lang)
        assert name and INTERNAL.findall(name) == [], (factor, lang, name)
