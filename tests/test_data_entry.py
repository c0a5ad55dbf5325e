"""Data entry (issue 20): rows written with Chinese geography and indicator names, or with the bracketed forms
the shipped files use either way round, are read as their keys -- or refused with one line naming the file,
the row and the field; never silently left out.  The geographies' Chinese names come from the region packs
and the data (calibration/names.py, model/spec/pack_names.py), not from the code."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="expressim-mpl-"))  # no cache in $HOME

import pytest  # noqa: E402
from helpers import ROOT, cli  # noqa: E402

import expressim.model.spec  # noqa: E402,F401 - registers the region packs' names
from expressim.calibration import names as nm  # noqa: E402
from expressim.calibration.observations import DataError, load  # noqa: E402
from expressim.model.spec.pack_names import geography_names  # noqa: E402

HEADER = "geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
SHIPPED = ROOT / "calibration" / "data"


def _file(tmp: Path, *rows: str, name: str = "mine.csv") -> Path:
    p = tmp / name
    p.write_text(HEADER + "".join(r + ",,,\n" for r in rows), encoding="utf-8")
    return p


def _pack(role: str) -> tuple[str, str]:
    """(key, Chinese name) of the default pack's ``role`` (read from the pack, not written here)."""
    from expressim.model.spec.safe_yaml import read_file

    d = read_file(ROOT / "model" / "spec" / "region_packs" / "bijie.yaml")
    if role == "county":
        c = d["counties"][-2]
        return c["id"], c["name"]
    return d[role], d["names"][role]


@pytest.mark.parametrize("geo", ["{name}", "{key}({name})", "{name}({key})", "{key}（{name}）", " {name} "])
def test_a_row_with_the_prefectures_chinese_name_is_read_as_its_key(tmp_path: Path, geo: str) -> None:
    key, name = _pack("prefecture")
    obs = load([_file(tmp_path, f"{geo.format(key=key, name=name)},快递进出口业务量,2024,3.2,亿件")])
    (o,) = obs.observations
    assert (o.geography, o.indicator, o.value) == (key, "express_volume_inout", 3.2e8)


@pytest.mark.parametrize("role", ["nation", "province", "county"])
def test_every_level_of_the_pack_is_named_as_the_pack_names_it(tmp_path: Path, role: str) -> None:
    key, name = _pack(role)
    (o,) = load([_file(tmp_path, f"{name},快递业务量,2024,1.5,亿件")]).observations
    assert (o.geography, o.indicator) == (key, "express_volume")
    assert geography_names()[name] == key


def test_indicators_in_chinese_and_in_brackets(tmp_path: Path) -> None:
    key, name = _pack("prefecture")
    rows = [f"{key},快递业务收入,2024,10.1,亿元", f"{key},快递投递量,2024,2.1,亿件",
            f"{key},快递业务量（收寄）,2024,1.1,亿件", f"{key},express_volume_inbound(快递投递量),2023,1.9,亿件"]
    got = {(o.indicator, o.period.year) for o in load([_file(tmp_path, *rows)]).observations}
    assert got == {("express_revenue", 2024), ("express_volume_inbound", 2024), ("express_volume", 2024),
                   ("express_volume_inbound", 2023)}


@pytest.mark.parametrize("row, field, words", [
    ("某某市,快递业务量,2024,1,亿件", "geography", "is not a place"),
    ("{name},快递业务量增速,2024,3,亿件", "indicator", "is not an indicator"),
    ("{other}({name}),快递业务量,2024,3,亿件", "geography", "{name} is {key}, not {other}"),
    ("{key},express_volume(快递业务收入),2024,3,亿件", "indicator", "快递业务收入 is express_revenue"),
])
def test_a_name_no_pack_and_no_file_knows_is_refused_naming_file_row_and_field(
        tmp_path: Path, row: str, field: str, words: str) -> None:
    key, name = _pack("prefecture")
    other, _ = _pack("province")
    f = _file(tmp_path, f"{key},express_volume,2023,1,亿件", row.format(key=key, name=name, other=other))
    with pytest.raises(DataError) as exc:
        load([f])
    msg = str(exc.value)
    assert msg.startswith(f"{f}:3: field '{field}': ") and "\n" not in msg
    assert words.format(key=key, name=name, other=other) in msg


def test_the_cli_refuses_it_in_one_line_with_exit_2(tmp_path: Path) -> None:
    f = _file(tmp_path, "某某市,快递业务量,2024,1,亿件")
    rc, out, err = cli("calibrate", "--data", str(SHIPPED), "--data", str(f), "--out", str(tmp_path / "cal"))
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and f"{f}:2: field 'geography'" in err and "Traceback" not in err


def test_the_shipped_data_read_as_before() -> None:
    """Every bracket of the shipped files agrees with the packs and with itself: nothing refused, nothing renamed."""
    obs = load(None)
    assert obs.observations and all(not nm.has_cjk(o.geography) and not nm.has_cjk(o.indicator)
                                    for o in obs.observations)


def test_the_chinese_row_moves_the_forecast_as_its_value_says(tmp_path: Path) -> None:
    """A prefecture's in + out figure written in Chinese is used by the calibration: its forecast follows it."""
    key, name = _pack("prefecture")
    medians = []
    for v in ("3.2", "4.0"):
        f = _file(tmp_path, f"{name},快递进出口业务量,2024,{v},亿件", name=f"mine_{v}.csv")
        rc, out, err = cli("forecast", "--geography", key, "--indicator", "express_volume_inout", "--period", "2024",
                           "--json", "--data", str(SHIPPED), "--data", str(f), "--draws", "2000")
        assert rc == 0, err
        medians.append(json.loads(out)["quantiles"]["0.5"])
    assert medians[0] == pytest.approx(3.2e8, rel=0.03) and medians[1] == pytest.approx(4.0e8, rel=0.03)


def test_split_name_reads_both_bracket_orders() -> None:
    assert nm.split_name("Key(名称)") == ("Key", "名称")
    assert nm.split_name("名称(Key)") == ("Key", "名称")
    assert nm.split_name("名称") == ("", "名称")
    assert nm.split_name("Key") == ("Key", "")
    assert nm.split_name("Key(名称, Other)") == ("Key", "名称")
    assert nm.split_name("Key(a note)") == ("Key", "")
    assert nm.split_name("快递业务量（收寄）") == ("", "快递业务量(收寄)")


def test_a_misspelt_english_key_is_said_with_the_closest_known_one(tmp_path: Path) -> None:
    """An English key nothing knows (a typo, most often) is read as written but named in one warning line
    per file, with the closest known key; a correct row earns no such line, and neither do the shipped files."""
    geo, _ = _pack("prefecture")
    bad = _file(tmp_path, f"{geo[:-1]}x,express_volume_inout,2024,3.2,亿件", f"{geo},express_volume_inot,2024,3.2,亿件")
    obs = load([SHIPPED, bad])
    assert len(obs.unfamiliar) == 1
    line = obs.unfamiliar[0]
    assert str(bad) in line and "2 name(s)" in line and f"did you mean '{geo}'" in line
    assert "did you mean 'express_volume_inout'" in line
    assert {o.geography for o in obs.observations if o.file == str(bad)} == {f"{geo[:-1]}x", geo}  # read as written
    assert load([SHIPPED, _file(tmp_path, f"{geo},express_volume_inout,2024,3.2,亿件", name="ok.csv")]).unfamiliar == ()
    assert load().unfamiliar == ()
    rc, _, err = cli("forecast", "--add", str(bad), "--geography", geo, "--indicator", "express_volume",
                     "--period", "2024")
    assert rc == 0 and sum("no region pack and no shipped file knows" in ln for ln in err.splitlines()) == 1
    rc, _, err = cli("monitor", str(ROOT / "scenarios" / "plan.yaml"), "--as-of", "2025-12", "--replications", "20",
                     "--add", str(bad), "--out", str(tmp_path / "mon"))
    assert rc == 0 and sum("no region pack and no shipped file knows" in ln for ln in err.splitlines()) == 1
