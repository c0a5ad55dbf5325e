"""The Chinese names of the region packs' geographies, for reading observation files written with them.

Every shipped pack (``model/spec/region_packs/*.yaml``) names its nation, province and prefecture by the
geography keys of the data and, under ``names``, by their Chinese names, and its counties by id and name.
:func:`geography_names` gathers them as ``{name: key}``; :mod:`expressim.model.spec` registers it with
:func:`expressim.calibration.names.add_geography_names`, so a data row written ``<prefecture's name>,
快递进出口业务量,2024,3.2,亿件`` is read as the prefecture's key.  The packs are read as plain YAML (not
built: building a pack loads the data, which would ask for these names again).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

__all__ = ["geography_names", "names_for", "pack_geography_names"]

#: the roles a pack's ``names`` may name
ROLES = ("nation", "province", "prefecture")


def pack_geography_names(pack: Mapping[str, object]) -> dict[str, str]:
    """``{name: key}`` of one pack's raw fields: its nation, province and prefecture under their ``names``,
    and its counties' names (a pack's own key is not a name: keys are read as they are)."""
    out: dict[str, str] = {}
    names = pack.get("names") or {}
    if isinstance(names, dict):
        for role in ROLES:
            key, name = pack.get(role), names.get(role)
            if isinstance(key, str) and isinstance(name, str) and name.strip():
                out[name.strip()] = key
    counties = pack.get("counties")
    for c in counties if isinstance(counties, list) else ():
        if isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("name"), str):
            out[c["name"].strip()] = c["id"]
    return out


@functools.lru_cache(maxsize=4)
def _read(folder: str, stamp: tuple[tuple[str, int], ...]) -> dict[str, str]:
    from expressim.model.spec.safe_yaml import YamlInputError, read_file

    out: dict[str, str] = {}
    for name, _ in stamp:
        try:
            d = read_file(Path(folder) / name, "region pack")
        except YamlInputError:
            continue  # a broken pack is reported when it is used, not here
        if isinstance(d, dict):
            out.update(pack_geography_names(d))
    return out


def geography_names() -> dict[str, str]:
    """``{name: key}`` of every shipped region pack (a name two packs give differently is left to the reader
    to refuse as ambiguous: the later pack's key is kept here, the data's brackets still disagree)."""
    folder = Path(__file__).resolve().parent / "region_packs"  # regions.PACK_DIR (without its imports)
    files = sorted(folder.glob("*.yaml"))
    return _read(str(folder), tuple((f.name, f.stat().st_mtime_ns) for f in files))


def display_names(pack: str | Path) -> dict[str, str]:
    """``{key: Chinese name}`` of one pack's nation, province, prefecture and counties (a shipped pack's name or
    a pack file); empty when the pack cannot be read (the caller shows the keys)."""
    from expressim.model.spec.regions import RegionError, pack_path
    from expressim.model.spec.safe_yaml import YamlInputError, read_file

    try:
        d = read_file(pack_path(pack), "region pack")
    except (RegionError, YamlInputError, OSError):
        return {}
    return {key: name for name, key in pack_geography_names(d).items()} if isinstance(d, dict) else {}


def names_for(pack_file: str | Path | None) -> dict[str, str]:
    """``{name: key}`` a load reads rows with: every shipped pack's names and, for a pack of the analyst's own
    (a file outside the shipped folder), that pack's names as well (they win over a shipped pack's)."""
    out = dict(geography_names())
    if pack_file is None:
        return out
    from expressim.model.spec.safe_yaml import YamlInputError, read_file

    p = Path(pack_file)
    if p.resolve().parent == Path(__file__).resolve().parent / "region_packs" or not p.is_file():
        return out
    try:
        d = read_file(p, "region pack")
    except YamlInputError:
        return out  # a broken pack is reported when it is loaded
    if isinstance(d, dict):
        out.update(pack_geography_names(d))
    return out
