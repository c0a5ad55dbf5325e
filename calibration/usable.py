"""Which observations the calibration can use, and how far it can forecast from them.

Kept light (no numerical imports) so that ``validate`` can check a scenario's years against the
data without fitting: :func:`forecast_reach` gives the years :func:`calibration.slots.build` will
fit and the last year :class:`calibration.fit.Fitted` will forecast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from expressim.calibration.levels import LEVEL_NAMES, Levels
from expressim.calibration.observations import Observation, ObservationSet

#: furthest year forecast after the last data year
MAX_HORIZON = 12

INDICATORS = ("express_volume", "express_revenue", "express_volume_inbound", "express_volume_inout",
              "express_volume_growth_exit", "express_volume_share", "express_revenue_share")
#: indicators that are ratios of two series of one basis (no seasonal share, no scope-break offset)
RATIOS = frozenset({"express_volume_growth_exit", "express_volume_share", "express_revenue_share"})
#: state loadings of each (level, indicator) in logs (the prefecture's in+out is handled apart)
LEVEL_LOADINGS: dict[tuple[str, str], dict[str, float]] = {
    ("national", "express_volume"): {"a": 1},
    ("national", "express_revenue"): {"a": 1, "r": 1},
    # exp of the growth level the monthly layer reads at the year's last release (calibration/monthly.py)
    ("national", "express_volume_growth_exit"): {"g": 1},
    ("provincial", "express_volume"): {"a": 1, "s": 1},
    ("provincial", "express_revenue"): {"a": 1, "r": 1, "sr": 1},
    # a provincial window over the national window of the same months (calibration/shares.py)
    ("provincial", "express_volume_share"): {"s": 1},
    ("provincial", "express_revenue_share"): {"sr": 1},
    ("local", "express_volume"): {"a": 1, "s": 1, "c": 1},
    ("local", "express_volume_inbound"): {"a": 1, "v": 1},
    ("local", "express_revenue"): {"a": 1, "s": 1, "c": 1, "r": 1, "p": 1},
}
#: the prefecture's collected + delivered parcels (not linear in logs: :func:`calibration.slots.loading`)
INOUT = "express_volume_inout"


def loadings(levels: Levels) -> dict[tuple[str, str], dict[str, float]]:
    """State loadings of each (geography, indicator) of ``levels`` (in+out apart)."""
    return {(geo, ind): row for geo, lvl in zip(levels.geographies, LEVEL_NAMES, strict=True)
            for (lv, ind), row in LEVEL_LOADINGS.items() if lv == lvl}


def supported(levels: Levels) -> frozenset[tuple[str, str]]:
    """Every (geography, indicator) the model of ``levels`` has, in+out of the prefecture included."""
    return frozenset(loadings(levels)) | {(levels.prefecture, INOUT)}


def candidates(obs: ObservationSet, breaks: Mapping[str, int],
               levels: Levels) -> tuple[list[tuple[Observation, bool]], list[str]]:
    """Usable observations (with the implied flag) and a note per express row that cannot be used."""
    geographies = levels.geographies
    usable = supported(levels)
    out: list[tuple[Observation, bool]] = []
    notes: list[str] = []
    others = 0
    published = {(o.geography, o.indicator, o.period.window) for o in obs.observations if not o.derived}
    for o in obs.observations:
        if not o.indicator.startswith("express"):
            continue
        where = f"{o.geography}/{o.indicator}/{o.period}" + (f" ({o.file}:{o.line})" if o.file else "")
        if o.geography not in geographies or o.indicator not in INDICATORS:
            others += 1
            continue
        if (o.geography, o.indicator) not in usable:
            notes.append(f"not used: {where}: the model has no {o.indicator} for {o.geography}")
            continue
        if not o.period.is_flow_window or o.period.first // 12 != o.period.last // 12:
            notes.append(f"not used: {where}: expected a window inside one calendar year")
            continue
        out.append((o, False))
        b = breaks.get(o.indicator)
        if (o.yoy_growth_pct is not None and b is not None and o.period.year >= b > o.period.year - 1
                and (o.geography, o.indicator, o.period.shift_years(-1).window) in published):
            # the rate is on the comparable basis: the year-earlier window on the new basis (the
            # loader derives it only where nothing was published for that window)
            prev = o.period.shift_years(-1)
            out.append((Observation(o.geography, o.indicator, prev, o.value / (1 + o.yoy_growth_pct / 100), o.unit,
                                    None, o.source_url, f"implied by {o.period} growth", o.file, o.line,
                                    o.rel_precision + 0.0005, True), True))
    if others:
        notes.append(f"outside the model: {others} express row(s) of other geographies or indicators (the model "
                     f"has {', '.join(INDICATORS)} of {', '.join(geographies)})")
    return out, notes


def no_usable(levels: Levels) -> str:
    """The message of a fit without any usable observation."""
    return f"no usable {levels.describe()} express observations"


def scope_breaks(obs: ObservationSet, levels: Levels) -> dict[str, int]:
    """Year of the latest scope break of each national series (the model's ``d``/``dr`` offsets)."""
    breaks: dict[str, int] = {}
    for ind in ("express_volume", "express_revenue"):
        for brk in obs.breaks(levels.nation, ind):
            if brk.period.isdigit():
                breaks[ind] = int(brk.period)
    return breaks


@dataclass(frozen=True)
class Reach:
    """Years of a calibration [calendar years]: first and last year of usable data, last forecastable year."""

    first: int
    last: int
    limit: int


def forecast_reach(obs: ObservationSet, levels: Levels) -> Reach | None:
    """The years the fit of ``obs`` will span and reach, without fitting (None: no usable observation)."""
    cands, _ = candidates(obs, scope_breaks(obs, levels), levels)
    years = [o.period.year for o, _ in cands]
    if not years:
        return None
    return Reach(min(years), max(years), max(years) + MAX_HORIZON)
