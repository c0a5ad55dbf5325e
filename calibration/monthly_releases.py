"""What the national monthly releases say: months, Jan–N totals and growth rates, read per year.

The monthly layer (:mod:`calibration.monthly`) reads the bulletins through this module: each
year's single months (published, or differenced from consecutive Jan–N totals), its windows'
year-on-year growth rates, its latest Jan–N total and its full year (:class:`YearData`); the
months grouped as the layer reads them (the Spring-Festival block, whose length comes from
``data/spring_festival.csv``, then single months); every usable growth window as one filter
observation (:class:`Obs`); and the factor that puts last year's published levels on this
year's basis across a scope change (:func:`basis_factor`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from expressim.calibration.observations import Observation, ObservationSet

#: the series of the layer: volume, and revenue through revenue per parcel
SERIES = ("express_volume", "express_revenue")
#: the holiday's slack period around the Spring Festival [days before, days after]: from the
#: eve's week to the Lantern Festival (day 15 of the first lunar month), a calendar convention
HOLIDAY_DAYS = (10, 15)
#: basis factors closer to 1 than this are read as no scope change (the rounding of the numbers)
BASIS_TOLERANCE = 0.02


def spring_festival_dates(path: Path | None = None) -> dict[int, dt.date]:
    """Spring Festival (正月初一) dates by year from the data file."""
    f = path or Path(__file__).resolve().parent / "data" / "spring_festival.csv"
    with f.open(encoding="utf-8") as fh:
        return {int(r["year"]): dt.date.fromisoformat(r["date"]) for r in csv.DictReader(fh)}


def holiday_months(year: int, dates: Mapping[int, dt.date]) -> tuple[int, ...]:
    """Months (1-12) of ``year`` that the holiday's slack period touches (January and February always)."""
    d = dates.get(year)
    months = {1, 2}
    if d is not None:
        lo, hi = d - dt.timedelta(days=HOLIDAY_DAYS[0]), d + dt.timedelta(days=HOLIDAY_DAYS[1])
        months |= {m.month for m in (lo, hi) if m.year == year}
    return tuple(range(1, max(months) + 1))


def blocks_of(year: int, dates: Mapping[int, dt.date]) -> tuple[tuple[int, ...], ...]:
    """The year's months grouped as the layer reads them: the holiday block (this year's or last
    year's, whichever is longer, so that a year-on-year rate compares like with like), then single months."""
    hb = max(holiday_months(year, dates), holiday_months(year - 1, dates), key=len)
    return (hb, *((m,) for m in range(hb[-1] + 1, 13)))


@dataclass(frozen=True)
class YearData:
    """What the releases say about one year of one national series.

    ``months``: single-month levels [canonical unit] (published, or differenced from Jan–N totals);
    ``growth``: log year-on-year growth of windows, keyed by (first month, last month);
    ``cumulative``: the latest Jan–N total as ``(N, value, log growth or None)``;
    ``annual``: the published full year, if any.
    """

    months: dict[int, float]
    growth: dict[tuple[int, int], float]
    cumulative: tuple[int, float, float | None] | None
    annual: float | None


def year_data(obs: ObservationSet, indicator: str, geography: str) -> dict[int, YearData]:
    """Collect each year's windows of one series from an observation set (published rows only)."""
    by_year: dict[int, list[Observation]] = {}
    for o in obs.select(geography, indicator, derived=False):
        if o.period.is_flow_window and o.period.first // 12 == o.period.last // 12:
            by_year.setdefault(o.period.year, []).append(o)
    out: dict[int, YearData] = {}
    for y, rows in by_year.items():
        months: dict[int, float] = {}
        growth: dict[tuple[int, int], float] = {}
        cums: dict[int, tuple[float, float | None]] = {}
        annual = None
        for o in rows:
            m0, m1 = o.period.first % 12 + 1, o.period.last % 12 + 1
            g = None if o.yoy_growth_pct is None else float(np.log1p(o.yoy_growth_pct / 100))
            if g is not None:
                growth[(m0, m1)] = g
            if m0 == m1:
                months[m0] = o.value
            if m0 == 1:
                cums[m1] = (o.value, g)
                if m1 == 12:
                    annual = o.value
        for n in sorted(cums):  # a month missing from the bulletins, from consecutive Jan–N totals
            if n not in months and n - 1 in cums:
                months[n] = cums[n][0] - cums[n - 1][0]
        last = max(cums) if cums else None
        cumulative = None if last is None else (last, cums[last][0], cums[last][1])
        out[y] = YearData(months, growth, cumulative, annual)
    return out


@dataclass(frozen=True)
class Obs:
    """One growth observation of the filter: month index ``t`` (0-based from the first year),
    series (0 volume, 1 revenue), weights on the lags ``{lag: weight}``, value [log] and whether
    it is a Jan–N cumulative (its noise averages over its months)."""

    t: int
    series: int
    weights: dict[int, float]
    value: float
    cumulative: bool = False


def _weights(months: Sequence[int], prev: Mapping[int, float] | None) -> dict[int, float]:
    """Lag weights of a window ending at its last month: last year's shares (equal when unknown)."""
    end = months[-1]
    if prev and all(m in prev for m in months):
        tot = sum(prev[m] for m in months)
        return {end - m: prev[m] / tot for m in months}
    return {end - m: 1.0 / len(months) for m in months}


def growth_observations(data: Mapping[str, Mapping[int, YearData]], first_year: int,
                        dates: Mapping[int, dt.date]) -> list[Obs]:
    """Every usable growth window as a filter observation.

    Blocks (the holiday block, single months) enter when their growth is published (a single
    month inside the holiday block does not: the holiday moves between them).  The latest
    Jan–N growth of a year enters only when some of its blocks are unpublished (otherwise it
    repeats them).
    """
    out: list[Obs] = []
    for si, ind in enumerate(SERIES):
        years = data.get(ind, {})
        for y, yd in sorted(years.items()):
            prev = years[y - 1].months if y - 1 in years else None
            covered: set[int] = set()
            for b in blocks_of(y, dates):
                g = yd.growth.get((b[0], b[-1]))
                if g is None and len(b) > 1 and all((m, m) in yd.growth for m in b) and prev:
                    w = _weights(b, prev)
                    g = sum(w[b[-1] - m] * yd.growth[(m, m)] for m in b)
                if g is not None:
                    out.append(Obs((y - first_year) * 12 + b[-1] - 1, si, _weights(b, prev), g))
                    covered |= set(b)
            if yd.cumulative is not None and yd.cumulative[2] is not None:
                n = yd.cumulative[0]
                if not set(range(1, n + 1)) <= covered:
                    out.append(Obs((y - first_year) * 12 + n - 1, si, _weights(tuple(range(1, n + 1)), prev),
                                   yd.cumulative[2], cumulative=True))
    return out


def basis_factor(obs: ObservationSet, indicator: str, year: int, geography: str) -> float:
    """Factor that puts ``year - 1``'s published levels on ``year``'s basis (1 unless the scope changed).

    The median over ``year``'s windows with a published growth rate of (value / (1 + growth)) /
    last year's published value of the same window.
    """
    prev = {o.period.window: o.value for o in obs.select(geography, indicator, derived=False)
            if o.period.is_flow_window and o.period.year == year - 1}
    ratios = []
    for o in obs.select(geography, indicator, derived=False):
        if o.period.is_flow_window and o.period.year == year and o.yoy_growth_pct is not None:
            p = prev.get(o.period.shift_years(-1).window)
            if p:
                ratios.append(o.value / (1 + o.yoy_growth_pct / 100) / p)
    k = float(np.median(ratios)) if ratios else 1.0
    return 1.0 if abs(k - 1) < BASIS_TOLERANCE else k
