"""Region packs: the hierarchy of a prefecture (nation, province, prefecture, counties) as data.

A pack is a data file, ``model/spec/region_packs/<name>.yaml`` (or any ``.yaml`` path given as a
scenario's ``region_pack``); docs/region_packs.md describes every field.  It names the geographies
of the calibration's levels as the observation files name them (``nation``, ``province``,
``prefecture``: :meth:`RegionPack.levels` hands them to the calibration), its counties (id, name),
the roles counties play (the urban county, the county of each specialty line), the region's own
entries of the assumption register (``register``), and either explicit populations
(``population`` and ``townships`` per county, each with a ``source``) or ``populations: from_data``.

With ``from_data``, populations come from the observation files of ``calibration/data``: a
county's 2020 census figure (``resident_population_census``) where the data have one; for the
counties without one the rule is explicit:

    residual = prefecture census total - sum of the known county census figures
    county population = residual × (county's best other population figure / sum of those figures)

The "best other figure" is, in order of preference, a resident population, an
undated total population, then a registered (户籍) population, as listed in
``FALLBACK_INDICATORS``.  The residual also holds the population of any management area
outside the county-level units, which the rule spreads over the counties without a census
figure.  Nothing is invented: every number used is a row of the data, and the rule is reported.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from expressim.calibration.levels import Levels
from expressim.calibration.observations import ObservationSet, default_data_dir, load

#: folder of the shipped region packs
PACK_DIR = Path(__file__).resolve().parent / "region_packs"
#: the nation's geography when a pack names none (the national rows of the shipped data)
DEFAULT_NATION = "China"

#: indicators tried, in order, for a county whose census figure is missing
FALLBACK_INDICATORS: tuple[str, ...] = (
    "resident_population_yearend", "resident_population", "total_population_infobox", "total_population",
    "registered_population",
)


class RegionError(ValueError):
    """A region pack that cannot be built from the data."""


@dataclass(frozen=True)
class County:
    """One county-level unit.

    Attributes
    ----------
    id, name : str
        English key and Chinese name.
    population : float
        Resident population used for shares [人].
    population_rule : str
        ``census`` or a description of the fallback used.
    townships : int
        Township-level units (streets, towns, townships) [个].
    """

    id: str
    name: str
    population: float
    population_rule: str
    townships: int


@dataclass(frozen=True)
class RegionPack:
    """The counties of a prefecture.

    Attributes
    ----------
    name : str
        Pack name.
    counties : tuple of County
        The county-level units, in the pack's order.
    total_population : float
        The prefecture's population [人].
    prefecture : str
        Geography of the whole region (a project's ``region`` may name it, like ``all``).
    urban_county : str
        Id of the county whose intensities differ (the urban district); empty when the pack names
        none (every county then has the same intensities).
    specialty_lines : dict
        Specialty line -> id of its county (``liquor`` -> its county); a line the pack does not name
        cannot be a target's (the scenario is refused naming the target and the role).
    province, nation : str
        Geographies of the province and the nation in the observations (the calibration's upper levels);
        ``province`` is empty in a pack that cannot be calibrated (:meth:`levels` refuses it).
    province_population : float or None
        The province's residents [人] when the data hold no census row of it (the pack's own figure, with
        its source), else the data's census figure, else None.
    register : dict
        The region's own entries of the assumption register (id -> entry), replacing the shipped ones.
    names : dict
        Display names: ``nation``, ``province`` and ``prefecture`` -> the name in Chinese (an observation file
        may name the geography so: :mod:`expressim.model.spec.pack_names`).
    file : str
        The pack file it was read from.
    """

    name: str
    counties: tuple[County, ...]
    total_population: float
    prefecture: str = ""
    urban_county: str = ""
    specialty_lines: dict[str, str] = field(default_factory=dict)
    province: str = ""
    nation: str = DEFAULT_NATION
    province_population: float | None = None
    register: dict[str, dict[str, object]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    file: str = ""

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.counties]

    @property
    def population_shares(self) -> np.ndarray:
        """Population shares, shape (n_counties,), summing to 1."""
        p = np.array([c.population for c in self.counties])
        return p / p.sum()

    def levels(self) -> Levels:
        """The calibration's hierarchy: nation, province and prefecture with their populations.

        Raises
        ------
        RegionError
            The pack names no province or prefecture (a pack for the engine only cannot be calibrated).
        """
        for key in ("prefecture", "province"):
            if not getattr(self, key):
                raise RegionError(f"{self.file or self.name}: {key}: missing; expected the {key}'s geography as the "
                                  f"observation files name it (the calibration's levels)")
        try:
            return Levels(self.nation, self.province, self.prefecture, self.total_population,
                          self.province_population, tuple(self.ids))
        except ValueError as exc:
            raise RegionError(f"{self.file or self.name}: {exc}") from None

    def assumption_register(self) -> dict[str, dict[str, object]]:
        """The shipped assumption register with the pack's own entries in place of the shipped ones."""
        from expressim.calibration.assumptions import load_register

        return {**load_register(), **self.register}

    def index(self, county_id: str) -> int:
        """Position of a county; raises ValueError naming the pack's counties."""
        try:
            return self.ids.index(county_id)
        except ValueError:
            raise ValueError(f"region '{county_id}' is not in the {self.name} pack "
                             f"({', '.join(self.ids)})") from None


def _latest(obs: ObservationSet, geo: str, indicators: Sequence[str]) -> tuple[str, float] | None:
    for ind in indicators:
        rows = obs.select(geo, ind)
        if rows:
            return ind, rows[-1].value
    return None


def _data(data_dir: str | Path | None) -> ObservationSet:
    """The observation files of a data folder (default: the shipped ``calibration/data``), read once per
    content (the files' names, sizes and modification times)."""
    from expressim.calibration.observations import expand_paths

    d = Path(data_dir) if data_dir is not None else default_data_dir()
    stamp = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in expand_paths([d]))
    return _data_cached(str(d), stamp)


@functools.lru_cache(maxsize=4)
def _data_cached(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> ObservationSet:
    return load(folder)


def populations_from_data(prefecture: str, county_names: Sequence[tuple[str, str]],
                          data_dir: str | Path | None = None) -> tuple[tuple[County, ...], float]:
    """Counties with populations and township counts from the observation files of the data folder.

    Raises
    ------
    RegionError
        If the census total or a county's fallback figure is missing.
    """
    obs = _data(data_dir)
    total = _latest(obs, prefecture, ("resident_population_census",))
    if total is None:
        raise RegionError(f"{prefecture} census population (resident_population_census) not found in the data")
    known: dict[str, float] = {}
    fallback: dict[str, tuple[str, float]] = {}
    for cid, _ in county_names:
        census = _latest(obs, cid, ("resident_population_census",))
        if census is not None:
            known[cid] = census[1]
            continue
        fb = _latest(obs, cid, FALLBACK_INDICATORS)
        if fb is None:
            raise RegionError(f"{cid}: no census nor fallback population in the data")
        fallback[cid] = fb
    residual = total[1] - sum(known.values())
    fb_sum = sum(v for _, v in fallback.values())
    townships = {cid: _latest(obs, cid, ("township_level_units", "township_units")) for cid, _ in county_names}
    counties = []
    for cid, name in county_names:
        ts = townships[cid]
        n_town = int(ts[1]) if ts else 0
        if cid in known:
            counties.append(County(cid, name, known[cid], "census 2020", n_town))
        else:
            ind, v = fallback[cid]
            counties.append(County(cid, name, residual * v / fb_sum,
                                   f"census residual x {ind} share ({v:,.0f} of {fb_sum:,.0f})", n_town))
    return tuple(counties), total[1]


def province_population_from_data(province: str, data_dir: str | Path | None = None) -> float | None:
    """The province's census population [人] in the observation files of the data folder (None: none)."""
    found = _latest(_data(data_dir), province, ("resident_population_census",))
    return found[1] if found else None


def shipped_packs() -> list[str]:
    """Names of the region packs shipped in ``model/spec/region_packs/``."""
    return sorted(p.stem for p in PACK_DIR.glob("*.yaml"))


def pack_path(name: str | Path, scenario_path: str | Path | None = None) -> Path:
    """The file of a region pack: a shipped pack's by name, else the ``.yaml`` path given.

    Parameters
    ----------
    name : str or Path
        A shipped pack's name (the file's stem) or the path of a pack file.
    scenario_path : path, optional
        The scenario naming the pack: a relative pack path is taken from the scenario's folder
        (like its progress file and data), else from the current folder.

    Raises
    ------
    RegionError
        Neither a shipped pack nor a ``.yaml``/``.yml`` path.
    """
    text = str(name)
    if isinstance(name, Path) or text.endswith((".yaml", ".yml")):
        p = Path(name)
        if not p.is_absolute() and scenario_path is not None:
            p = Path(scenario_path).resolve().parent / p
        return p
    if text in shipped_packs():
        return PACK_DIR / f"{text}.yaml"
    raise RegionError(f"unknown region pack '{text}' (available: {', '.join(shipped_packs())}, or a .yaml file)")


def _pack_file(name: str | Path) -> Path:
    return pack_path(name)


def default_pack() -> str:
    """The shipped pack a scenario or a command uses when it names none: the one marked ``default: true``.

    Raises
    ------
    RegionError
        No shipped pack, or more than one, is marked ``default: true``.
    """
    from expressim.model.spec.safe_yaml import YamlInputError, read_file

    marked = []
    for name in shipped_packs():
        try:
            d = read_file(PACK_DIR / f"{name}.yaml", "region pack")
        except YamlInputError as exc:
            raise RegionError(str(exc)) from None
        if isinstance(d, dict) and d.get("default") is True:
            marked.append(name)
    if len(marked) != 1:
        raise RegionError(f"{PACK_DIR}: expected exactly one shipped region pack with 'default: true', "
                          f"found {len(marked)} ({', '.join(marked) or 'none'})")
    return marked[0]


def pack_for_geography(geography: str, region: str | Path | None = None) -> RegionPack:
    """The region pack whose calibration forecasts ``geography`` (``forecast --geography``).

    ``region`` (``--region``) names the pack; else the shipped pack whose prefecture is ``geography``,
    else the one whose province is, else the default pack (the nation, or a geography no pack names:
    its forecast then says which geographies it has).

    Raises
    ------
    RegionError
        An unknown or malformed pack.
    """
    if region is not None:
        return load_pack(region)
    packs = [load_pack(n) for n in shipped_packs()]
    for key in ("prefecture", "province"):
        hits = [p for p in packs if getattr(p, key) == geography]
        if hits:
            default = default_pack()
            return next((p for p in hits if p.name == default), hits[0])
    return load_pack(default_pack())


#: most county-level units a pack may have (a prefecture has a few dozen at most); the engine's memory and
#: time grow with them
MAX_COUNTIES = 100
#: largest population accepted for one county or a prefecture [人]
MAX_POPULATION = 2.0e9


def _field(d: dict[str, Any], key: str, f: Path) -> Any:
    if key not in d:
        raise RegionError(f"{f}: {key}: missing; expected it in a region pack")
    return d[key]


def _text(f: Path, where: str, v: Any, what: str, *, required: bool = True, limit: int = 200) -> str:
    """A pack's text field: a non-empty string without control characters (not a number, a boolean or null)."""
    import unicodedata

    from expressim.model.spec.validation_messages import show

    if not isinstance(v, str) or (required and not v.strip()):
        raise RegionError(f"{f}: {where}: expected {what} (text), got {show(v)}")
    bad = next((c for c in v if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        raise RegionError(f"{f}: {where}: contains the control character U+{ord(bad):04X}; expected printable text")
    if len(v) > limit:
        raise RegionError(f"{f}: {where}: {len(v)} characters; expected {what} of at most {limit}")
    return v


def _check_counties(f: Path, raw: Any, explicit: bool) -> list[dict[str, Any]]:
    """The ``counties`` list checked: mappings with unique text ids, printable names, and (``explicit``)
    a finite positive population, a whole non-negative township count and a source each.

    Raises
    ------
    RegionError
        ``pack.yaml: counties.3.population: expected a number above 0, got nan``.
    """
    import math

    from expressim.model.spec.validation_messages import show

    if not isinstance(raw, list) or not raw:
        raise RegionError(f"{f}: counties: expected a non-empty list of {{id, name, ...}}, got {show(raw)}")
    if len(raw) > MAX_COUNTIES:
        raise RegionError(f"{f}: counties: {len(raw)} county-level units; expected at most {MAX_COUNTIES}")
    seen: dict[str, int] = {}
    allowed = {"id", "name", "population", "townships", "source"} if explicit else {"id", "name", "townships"}
    for i, c in enumerate(raw):
        where = f"counties.{i}"
        if not isinstance(c, dict):
            raise RegionError(f"{f}: {where}: expected a mapping {{id, name, ...}}, got {show(c)}")
        extra = sorted(map(str, set(c) - allowed))
        if extra:
            raise RegionError(f"{f}: {where}.{extra[0]}: not a county field; expected {', '.join(sorted(allowed))}")
        cid = _text(f, f"{where}.id", c.get("id"), "a county id")
        if cid in seen:
            raise RegionError(f"{f}: {where}.id: duplicate county id '{cid}' (also counties.{seen[cid]})")
        seen[cid] = i
        if "name" in c:
            _text(f, f"{where}.name", c["name"], "a county name")
        if "townships" in c:
            t = c["townships"]
            if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t <= 100_000:
                raise RegionError(f"{f}: {where}.townships: expected a whole number 0 to 100000, got {show(t)}")
        if explicit:
            pop = c.get("population")
            if isinstance(pop, bool) or not isinstance(pop, int | float) or not math.isfinite(pop) \
                    or not 0 < pop <= MAX_POPULATION:
                raise RegionError(f"{f}: {where}.population: expected a number above 0 and at most "
                                  f"{MAX_POPULATION:.0e} (people), got {show(pop)}")
            _text(f, f"{where}.source", c.get("source"), "the source of the population")
    return raw


def load_pack(name: str | Path) -> RegionPack:
    """A region pack by name (a shipped one) or by the path of its ``.yaml`` file.

    Raises
    ------
    RegionError
        Unknown pack, unreadable file, or a field missing or wrong (``file: field: what was expected``).
    """
    from expressim.model.spec.safe_yaml import YamlInputError, read_file

    f = _pack_file(name)
    try:
        d = read_file(f, "region pack")
    except YamlInputError as exc:
        raise RegionError(str(exc)) from None
    if not isinstance(d, dict):
        raise RegionError(f"{f}: expected a mapping of pack fields")
    known = {"name", "prefecture", "populations", "counties", "urban_county", "specialty_lines", "default", "nation",
             "province", "province_population", "register", "names"}
    extra = sorted(map(str, set(d) - known))
    if extra:
        raise RegionError(f"{f}: {extra[0]}: not a region pack field; expected {', '.join(sorted(known))}")
    if "populations" in d and d["populations"] != "from_data":
        raise RegionError(f"{f}: populations: expected from_data (or no key, with a population per county), "
                          f"got {d['populations']!r}")
    from_data = d.get("populations") == "from_data"
    raw = _check_counties(f, _field(d, "counties", f), explicit=not from_data)
    ids = [c["id"] for c in raw]
    prefecture = _text(f, "prefecture", _field(d, "prefecture", f), "the geography of the whole region")
    name = _text(f, "name", d.get("name", f.stem), "the pack's name")
    if from_data:
        counties, total = populations_from_data(prefecture, [(c["id"], c.get("name", c["id"])) for c in raw])
    else:
        counties = tuple(County(c["id"], c.get("name", c["id"]), float(c["population"]), c["source"],
                                int(c.get("townships", 0))) for c in raw)
        total = sum(c.population for c in counties)
    # roles are optional: without an urban county every county has the same intensities; a target
    # that needs a role the pack lacks (liquor shipments need specialty_lines.liquor) is refused by name
    urban = (_text(f, "urban_county", d["urban_county"], "the id of the urban county (its intensities differ)")
             if d.get("urban_county") is not None else "")
    raw_lines = d.get("specialty_lines")
    if raw_lines is None:
        raw_lines = {}
    if not isinstance(raw_lines, dict):
        raise RegionError(f"{f}: specialty_lines: expected a mapping of specialty line to county id, "
                          f"e.g. specialty_lines: {{liquor: {ids[0]}}}")
    lines = {_text(f, "specialty_lines", k, "a specialty line name"): _text(f, f"specialty_lines.{k}", v, "a county id")
             for k, v in raw_lines.items()}
    roles = ([("urban_county", urban)] if urban else []) + [(f"specialty_lines.{k}", v) for k, v in lines.items()]
    for key, cid in roles:
        if cid not in ids:
            raise RegionError(f"{f}: {key}: '{cid}' is not a county of the pack; expected one of {', '.join(ids)}")
    if "default" in d and not isinstance(d["default"], bool):
        raise RegionError(f"{f}: default: expected true or false (the pack used when none is named)")
    nation = (_text(f, "nation", d["nation"], "the nation's geography in the observations")
              if d.get("nation") is not None else DEFAULT_NATION)
    province = (_text(f, "province", d["province"], "the province's geography in the observations")
                if d.get("province") is not None else "")
    return RegionPack(name, counties, total, prefecture, urban, lines, province, nation,
                      _province_population(f, d.get("province_population"), province, from_data),
                      _register(f, d.get("register")), _names(f, d.get("names")), str(f))


def _province_population(f: Path, raw: Any, province: str, from_data: bool) -> float | None:
    """``province_population: {value, source}`` checked, else the province's census in the data (``from_data``)."""
    import math

    from expressim.model.spec.validation_messages import show

    if raw is None:
        return province_population_from_data(province) if from_data and province else None
    if not isinstance(raw, dict) or set(raw) != {"value", "source"}:
        raise RegionError(f"{f}: province_population: expected {{value, source}} (the province's residents and "
                          f"where the figure comes from), got {show(raw)}")
    v = raw["value"]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or not 0 < v <= MAX_POPULATION:
        raise RegionError(f"{f}: province_population.value: expected a number above 0 and at most "
                          f"{MAX_POPULATION:.0e} (people), got {show(v)}")
    _text(f, "province_population.source", raw["source"], "the source of the figure", limit=2000)
    return float(v)


def _register(f: Path, raw: Any) -> dict[str, dict[str, object]]:
    """``register``: the region's own entries of the assumption register, each replacing a shipped entry of
    the same id and checked as the register's entries are (a distribution with unit, description, source)."""
    from expressim.calibration.assumptions import REQUIRED, AssumptionError, distribution, load_register
    from expressim.model.spec.validation_messages import show

    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RegionError(f"{f}: register: expected a mapping of assumption ids to entries, got {show(raw)}")
    shipped = load_register()
    out: dict[str, dict[str, object]] = {}
    for key, entry in raw.items():
        if key not in shipped:
            import difflib

            close = difflib.get_close_matches(str(key), list(shipped), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise RegionError(f"{f}: register.{key}: not an entry of the assumption register{hint}")
        if not isinstance(entry, dict):
            raise RegionError(f"{f}: register.{key}: expected a mapping (dist, ..., unit, description, source)")
        missing = [k for k in REQUIRED if not str(entry.get(k, "")).strip()]
        if missing:
            raise RegionError(f"{f}: register.{key}: missing {', '.join(missing)}")
        try:
            distribution(entry)
        except AssumptionError as exc:
            raise RegionError(f"{f}: register.{key}: {str(exc).split(': ', 1)[-1]}") from None
        out[str(key)] = dict(entry)
    return out


def _names(f: Path, raw: Any) -> dict[str, str]:
    """``names``: display names of the nation, the province and the prefecture (in Chinese)."""
    from expressim.model.spec.validation_messages import show

    if raw is None:
        return {}
    if not isinstance(raw, dict) or not set(raw) <= {"nation", "province", "prefecture"}:
        raise RegionError(f"{f}: names: expected {{nation, province, prefecture}} display names, got {show(raw)}")
    return {str(k): _text(f, f"names.{k}", v, "a display name") for k, v in raw.items()}
