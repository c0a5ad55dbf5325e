"""Pass 3, classes 11 and 17 (region packs): a pack is user input, checked field by field with ranges,
unique ids and the roles the engine needs; ``load_pack`` takes a ``Path``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import cli
from test_region_packs import TOY, _toy_scenario

from expressim.model.spec.regions import RegionError, load_pack


def _pack(tmp_path: Path, change: Any) -> Path:
    d = yaml.safe_load(TOY.read_text(encoding="utf-8"))
    change(d)
    f = tmp_path / "pack.yaml"
    f.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    return f


def _set(i: int, key: str, value: Any) -> Any:
    return lambda d: d["counties"][i].__setitem__(key, value)


BAD = [
    ("lines_not_a_mapping", lambda d: d.__setitem__("specialty_lines", ["liquor"]), "specialty_lines: expected a mapping"),
    ("duplicate_id", _set(1, "id", "Alpha"), "counties.1.id: duplicate county id 'Alpha'"),
    ("zero_population", _set(0, "population", 0), "counties.0.population: expected a number above 0"),
    ("negative_population", _set(0, "population", -5), "counties.0.population"),
    ("nan_population", _set(0, "population", float("nan")), "counties.0.population"),
    ("inf_population", _set(0, "population", float("inf")), "counties.0.population"),
    ("bool_population", _set(0, "population", True), "counties.0.population"),
    ("text_population", _set(0, "population", "many"), "counties.0.population"),
    ("null_id", _set(0, "id", None), "counties.0.id: expected a county id (text)"),
    ("numeric_id", _set(0, "id", 7), "counties.0.id: expected a county id (text)"),
    ("control_name", _set(0, "name", "A\x1b[31m"), "counties.0.name: contains the control character U+001B"),
    ("no_source", lambda d: d["counties"][2].pop("source"), "counties.2.source"),
    ("bool_townships", _set(0, "townships", True), "counties.0.townships"),
    ("many_counties", lambda d: d.__setitem__("counties", [
        {"id": f"C{i}", "population": 1000, "source": "s"} for i in range(2000)]), "2000 county-level units"),
    ("unknown_field", lambda d: d.__setitem__("capital", "Beta"), "capital: not a region pack field"),
    ("bad_populations", lambda d: d.__setitem__("populations", "census"), "populations: expected from_data"),
]


@pytest.mark.parametrize("name, change, words", BAD, ids=[b[0] for b in BAD])
def test_a_bad_pack_is_one_line_naming_file_and_field(tmp_path: Path, name: str, change: Any, words: str) -> None:
    f = _pack(tmp_path, change)
    with pytest.raises(RegionError) as exc:
        load_pack(str(f))
    assert str(exc.value).startswith(f"{f}: ") and words in str(exc.value), str(exc.value)


@pytest.mark.parametrize("name", ["lines_not_a_mapping", "duplicate_id", "nan_population", "many_counties"])
def test_validate_refuses_the_pack_in_one_line(tmp_path: Path, name: str) -> None:
    change, words = next((c, w) for n, c, w in BAD if n == name)
    scn = _toy_scenario(tmp_path, _pack(tmp_path, change))
    rc, _, err = cli("-q", "validate", str(scn))
    assert rc == 2 and words in err and "internal error" not in err and len(err.strip().splitlines()) == 1, err


def test_load_pack_takes_a_path() -> None:
    assert load_pack(TOY).ids == ["Alpha", "Beta", "Gamma"] and load_pack(str(TOY)).ids == ["Alpha", "Beta", "Gamma"]


def test_roles_are_optional_unless_a_target_needs_them(tmp_path: Path) -> None:
    """A pack without an urban county or a liquor line loads; a scenario whose target counts liquor
    shipments is refused in one line naming the target and the role; without such targets it runs."""
    import yaml

    bare = _pack(tmp_path, lambda d: (d.pop("specialty_lines"), d.pop("urban_county")))
    pack = load_pack(bare)
    assert pack.urban_county == "" and pack.specialty_lines == {}
    scn = _toy_scenario(tmp_path, bare)
    rc, _, err = cli("-q", "validate", str(scn))
    assert rc == 2 and len(err.strip().splitlines()) == 1, err
    assert "target 'liquor_2023'" in err and "specialty_lines.liquor" in err and "internal error" not in err
    d = yaml.safe_load(scn.read_text(encoding="utf-8"))
    d["targets"] = [t for t in d["targets"] if t.get("metric") != "liquor_tonnes"]
    scn.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    rc, _, err = cli("-q", "run", str(scn), "--replications", "50", "--out", str(tmp_path / "out"))
    assert rc == 0, err
    annual = (tmp_path / "out" / "annual.csv").read_text(encoding="utf-8-sig")
    assert "liquor" not in annual and "nan" not in annual.lower()
