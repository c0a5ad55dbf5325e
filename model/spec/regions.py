"""Region packs: the county-level units of a prefecture with their populations and township counts.

The Bijie pack has the eight county-level units of the plan.  Populations are the
2020 census figures from ``calibration/data/drivers.csv`` where the data have them
(大方, 织金, 威宁, 赫章).  For the four counties without a census figure in the
data (七星关, 黔西, 金沙, 纳雍) the rule is explicit:

    residual = Bijie census total - sum of the four known county census figures
    county population = residual × (county's best other population figure / sum of those figures)

The "best other figure" is, in order of preference, a resident population, an
undated total population, then a registered (户籍) population, as listed in
``FALLBACK_INDICATORS``.  The residual also holds the population of the
百里杜鹃 and 金海湖 management areas, which the rule spreads over the four
counties (they were carved out of them).  Nothing is invented: every number
used is a row of drivers.csv or observations.csv, and the rule is reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from expressim.calibration.observations import ObservationSet, default_data_dir, load

#: (id, Chinese name) of Bijie's eight county-level units, in the plan's order of mention
BIJIE_COUNTIES: tuple[tuple[str, str], ...] = (
    ("Qixingguan", "七星关区"), ("Dafang", "大方县"), ("Qianxi", "黔西市"), ("Jinsha", "金沙县"),
    ("Zhijin", "织金县"), ("Nayong", "纳雍县"), ("Weining", "威宁县"), ("Hezhang", "赫章县"),
)

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
    """The counties of a prefecture."""

    name: str
    counties: tuple[County, ...]
    total_population: float

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.counties]

    @property
    def population_shares(self) -> np.ndarray:
        """Population shares, shape (n_counties,), summing to 1."""
        p = np.array([c.population for c in self.counties])
        return p / p.sum()

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


def bijie(data_dir: str | Path | None = None) -> RegionPack:
    """Build the Bijie pack from ``drivers.csv`` and ``observations.csv``.

    Raises
    ------
    RegionError
        If the census total or a county's fallback figure is missing.
    """
    d = Path(data_dir) if data_dir is not None else default_data_dir()
    obs = load([d / "drivers.csv", d / "observations.csv"])
    total = _latest(obs, "Bijie", ("resident_population_census",))
    if total is None:
        raise RegionError("Bijie census population (resident_population_census) not found in the data")
    known: dict[str, float] = {}
    fallback: dict[str, tuple[str, float]] = {}
    for cid, _ in BIJIE_COUNTIES:
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
    townships = {cid: _latest(obs, cid, ("township_level_units", "township_units")) for cid, _ in BIJIE_COUNTIES}
    counties = []
    for cid, name in BIJIE_COUNTIES:
        ts = townships[cid]
        n_town = int(ts[1]) if ts else 0
        if cid in known:
            counties.append(County(cid, name, known[cid], "census 2020", n_town))
        else:
            ind, v = fallback[cid]
            counties.append(County(cid, name, residual * v / fb_sum,
                                   f"census residual x {ind} share ({v:,.0f} of {fb_sum:,.0f})", n_town))
    return RegionPack("bijie", tuple(counties), total[1])


def load_pack(name: str) -> RegionPack:
    """A region pack by name (only ``bijie`` ships)."""
    if name == "bijie":
        return bijie()
    raise RegionError(f"unknown region pack '{name}' (available: bijie)")
