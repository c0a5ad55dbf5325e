"""The geography one calibration is of: the nation, the province and the prefecture, by role.

The state space (:mod:`calibration.statespace`) has three levels: the national series, the
province's shares of them and the prefecture's ratios to them.  Which geography (as the observation
files name it) plays each role is data: a region pack names them (``model/spec/region_packs/``), the
model builds a :class:`Levels` from it and hands it to :func:`calibration.fit.fit_all`.  Nothing in
``calibration/`` names a place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: the three levels of the hierarchy, top down (the keys of the definition floors ``measurement_floor_*``)
LEVEL_NAMES: tuple[str, ...] = ("national", "provincial", "local")


@dataclass(frozen=True)
class Levels:
    """The geographies of one calibration's hierarchy, and the populations its per-head ratios need.

    Attributes
    ----------
    nation, province, prefecture : str
        The geography of each level as the observation files name it (the English key before any
        bracket: ``Name(名称)`` rows are read as ``Name``).
    population : float
        The prefecture's residents [人]: the local per-head ratios are read against it.
    province_population : float or None
        The province's residents [人], used when the observations (after a ``--until`` cut) hold no
        ``resident_population_census`` row of the province; None: the data must hold one.
    counties : tuple of str
        The county-level units of the prefecture (their geography keys), for the record; the state
        space has no county level (the engine splits the prefecture's parcels over them).
    """

    nation: str
    province: str
    prefecture: str
    population: float
    province_population: float | None = None
    counties: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        keys = (self.nation, self.province, self.prefecture)
        if any(not isinstance(k, str) or not k.strip() for k in keys):
            raise ValueError(f"levels: expected three geography names (nation, province, prefecture), got {keys}")
        if len(set(keys)) != 3:
            raise ValueError(f"levels: the nation, province and prefecture must differ, got {keys}")
        if not self.population > 0:
            raise ValueError(f"levels: population: expected the prefecture's residents (> 0), got {self.population}")

    @property
    def geographies(self) -> tuple[str, str, str]:
        """The three geographies, top down."""
        return (self.nation, self.province, self.prefecture)

    def level(self, geography: str) -> str | None:
        """``national``, ``provincial`` or ``local`` for a geography of the hierarchy, else None."""
        return dict(zip(self.geographies, LEVEL_NAMES, strict=True)).get(geography)

    def level_of(self, geography: str) -> str:
        """Like :meth:`level`, for a geography known to be of the hierarchy (KeyError otherwise)."""
        lvl = self.level(geography)
        if lvl is None:
            raise KeyError(f"{geography} is not {self.describe()}")
        return lvl

    def describe(self) -> str:
        """The three geographies in words, ``<nation>, <province> or <prefecture>`` (for messages)."""
        return f"{self.nation}, {self.province} or {self.prefecture}"

    def to_dict(self) -> dict[str, object]:
        return {"nation": self.nation, "province": self.province, "prefecture": self.prefecture,
                "population": self.population, "province_population": self.province_population,
                "counties": list(self.counties)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Levels:
        pp = d.get("province_population")
        return cls(str(d["nation"]), str(d["province"]), str(d["prefecture"]), float(d["population"]),
                   None if pp is None else float(pp), tuple(str(c) for c in d.get("counties", ())))
