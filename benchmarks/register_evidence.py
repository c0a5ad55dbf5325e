"""The range each spillover coefficient's evidence supports, derived from the evidence rows.

    python benchmarks/register_evidence.py           # every step, in words
    python benchmarks/register_evidence.py --json    # [{"parameter", "mode", "evidence_low", "evidence_high", "basis"}]

A *spillover coefficient* is a register entry (``calibration/data/assumptions.yaml``) that turns
parcels into a headline target's unit, or moves such a factor over time: jobs per 10,000 parcels
handled and its yearly fall, online retail per delivered parcel and its yearly fall, the specialty
share of collected parcels and the specialty value per parcel, the region's revenue per parcel
against the national one (and the two revenue entries kept as its evidence), and the station
keepers per 10,000 parcels of the broad jobs reading.  Firm counts, green rates, demonstrations,
liquor and scenic spots do not multiply parcels and are not covered here.

Every number below is read from a row of ``calibration/data/priors_evidence.csv`` (named by its
``parameter`` column, place and period) or a national figure of ``observations.csv``; the only
constants in this file are unit multipliers, and the rates used to roll a figure to 2023 are
read from the register itself (its own productivity gain, its own yearly fall of value per parcel).
Each derivation states its basis: parcels handled (in + out) or collected (out), the year, and the
definition of the quantity.  ``evidence_low`` / ``evidence_high`` are the lowest and highest of the
*core* points (rows that measure the register's quantity on its own definition, once the basis and
year are aligned); *context* points are printed with the reason they are not in the range.

``suggested`` (text output only) gives the triangular the register should hold: mode = median of
the core points, low and high = the mode times the low/mode and high/mode ratios of the PRIORS.md
suggested range (the spread judged there is kept, the centre comes from the rows), two significant
figures.  ``tests/test_register_evidence.py`` checks that every register mode lies inside its
derived range and that re-centred entries equal the suggestion.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "calibration" / "data"
#: unit multipliers (the only literal numbers of the derivations)
_MULT = {"亿": 1e8, "万": 1e4}


@dataclass(frozen=True)
class Row:
    """One evidence row: ``parameter`` (its name in the register's sources), place, period, value."""

    parameter: str
    geography: str
    period: str
    value: float
    unit: str
    note: str

    def cite(self) -> str:
        """``parameter (place period)``, as the register cites a row."""
        return f"{self.parameter} ({self.geography.split(' (')[0]} {self.period})"


@dataclass(frozen=True)
class Point:
    """One evidence point on the register's basis: its value, the rows it uses and the steps in words."""

    value: float
    rows: tuple[str, ...]
    steps: str


@dataclass
class Derivation:
    """The evidence on one register coefficient.

    Attributes
    ----------
    parameter : str
        Register id.
    basis : str
        What the coefficient measures (definition, basis in+out or collected, year).
    core : list of Point
        Points on the register's own definition and basis (they make the range).
    context : list of (Point, str)
        Points printed with the reason they are outside the range.
    priors_spread : (float, float, float) or None
        PRIORS.md's suggested low / central / high, whose ratios set the suggested low and high.
    """

    parameter: str
    basis: str
    core: list[Point] = field(default_factory=list)
    context: list[tuple[Point, str]] = field(default_factory=list)
    priors_spread: tuple[float, float, float] | None = None

    @property
    def low(self) -> float:
        return min(p.value for p in self.core)

    @property
    def high(self) -> float:
        return max(p.value for p in self.core)

    def suggested(self) -> tuple[float, float, float] | None:
        """Triangular (low, mode, high): median of the core points, PRIORS.md's spread around it."""
        if self.priors_spread is None:
            return None
        lo, mid, hi = self.priors_spread
        mode = statistics.median(p.value for p in self.core)
        return sig2(mode * lo / mid), sig2(mode), sig2(mode * hi / mid)


def sig2(x: float) -> float:
    """``x`` to two significant figures."""
    return float(f"{x:.2g}")


# --- reading the rows ------------------------------------------------------------------------

def _number(text: str) -> float:
    m = re.fullmatch(r"\s*~?([\d.]+)\s*(亿|万)?.*", text)
    if not m:
        raise ValueError(f"no number in {text!r}")
    return float(m.group(1)) * _MULT.get(m.group(2) or "", 1.0)


def evidence_rows(path: Path = DATA / "priors_evidence.csv") -> list[Row]:
    """Every row of priors_evidence.csv."""
    with path.open(encoding="utf-8") as fh:
        return [Row(r["parameter"], r["geography"], r["period"], float(r["value"]), r["unit"], r["note"])
                for r in csv.DictReader(fh)]


class Evidence:
    """The rows, looked up by parameter, place and period (exactly one row must match)."""

    def __init__(self, rows: Sequence[Row], observations: Path = DATA / "observations.csv") -> None:
        self.rows = list(rows)
        with observations.open(encoding="utf-8") as fh:
            self.obs = list(csv.DictReader(fh))

    def row(self, parameter: str, geography: str, period: str) -> Row:
        """The one row with this parameter whose geography starts with ``geography`` and period is ``period``."""
        hits = [r for r in self.rows if r.parameter == parameter and r.geography.startswith(geography)
                and r.period == period]
        if len(hits) != 1:
            raise LookupError(f"priors_evidence.csv: {len(hits)} rows for {parameter} {geography} {period}")
        return hits[0]

    def in_note(self, r: Row, pattern: str) -> float:
        """A number printed in the row's note, found by ``pattern`` (its first group; 亿/万 applied)."""
        m = re.search(pattern, r.note)
        if not m:
            raise LookupError(f"priors_evidence.csv: {r.cite()}: no match for {pattern!r} in its note")
        return _number(m.group(1))

    def national(self, indicator: str, year: int) -> tuple[float, float | None, str]:
        """China's annual ``express_volume`` [件] or ``express_revenue`` [元] from observations.csv.

        The final figure of the year (the one printed with the most digits), its yoy growth [%]
        on the comparable basis (from any row of that year that prints one), and a citation.
        """
        rows = [r for r in self.obs if r["geography"] == "China" and r["indicator"].startswith(indicator + "(")
                and r["period"] == str(year)]
        if not rows:
            raise LookupError(f"observations.csv: no China {indicator} for {year}")

        def digits(r: dict[str, str]) -> int:
            return len(r["value"].replace(".", "").strip("0"))

        best = max(rows, key=digits)
        value = float(best["value"]) * _MULT[best["unit"][0]]
        yoy = [r for r in rows if r["yoy_growth_pct"].strip()]
        growth = float(max(yoy, key=digits)["yoy_growth_pct"]) if yoy else None
        return value, growth, f"observations.csv: China {indicator} {year} {best['value']}{best['unit']}"


def register(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The assumption register."""
    from expressim.calibration.assumptions import load_register

    return load_register(path)


def centre(entry: dict[str, Any]) -> float:
    """The register's central value: the triangular mode, the lognormal median, the normal mean."""
    for k in ("mode", "median", "mean", "value"):
        if k in entry:
            return float(entry[k])
    raise KeyError(f"no central value in {entry}")


# --- derivations, one per coefficient ---------------------------------------------------------

def jobs_per_10k(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """Express jobs per 10,000 parcels handled (in + out), 2023."""
    g = centre(reg["jobs_productivity_growth"])
    d = Derivation("jobs_per_10k_parcels_2023",
                   "jobs [people employed by express firms: couriers, sorting, outlet and office staff] per 10,000 "
                   "parcels handled a year (collected + delivered), 2023; a national figure is on a handled basis "
                   "at twice the parcels collected (each domestic parcel is collected once and delivered once, "
                   "register national_delivered_per_collected); earlier years rolled to 2023 at the register's "
                   f"own productivity gain jobs_productivity_growth = {g:g} a year",
                   priors_spread=priors_triple("jobs_per_10k_parcels_2023"))
    for param, period in (("express_employment_national", "2016"), ("express_employment_national", "2017"),
                          ("express_employment_couriers", "2018")):
        r = ev.row(param, "China", period)
        year = int(period)
        vol, _, vcite = ev.national("express_volume", year)
        workers = r.value * _MULT["万"]
        per = workers / (2 * vol) * 1e4
        rolled = per * (1 - g) ** (2023 - year)
        d.core.append(Point(rolled, (r.cite(), vcite),
                            f"{workers:.4g} workers / (2 x {vol / 1e8:.1f}亿 collected) x 10^4 = {per:.3f} per 10,000 "
                            f"handled in {year}; x (1 - {g:g})^{2023 - year} = {rolled:.3f} in 2023"
                            + (" (a low-credibility repost)" if "low credibility" in r.note else "")
                            + (" (couriers only: a lower bound of the workforce)" if "couriers" in param else "")))
    r = ev.row("express_employment_province", "Hubei", "2023-H1")
    parcels = ev.in_note(r, r"with (~?[\d.]+亿) parcels/yr")
    per = r.value * _MULT["万"] / (2 * parcels) * 1e4
    d.core.append(Point(per, (r.cite(),),
                        f"{r.value:g}万 workers / (2 x {parcels / 1e8:g}亿 collected a year, the row's note) x 10^4 = "
                        f"{per:.3f} per 10,000 handled in 2023 (a province's deliveries taken equal to its collections: "
                        "inbound_outbound_ratio (Chengdu 2019-Q1) says central and western cities deliver at least as "
                        "many as they collect, so handled is at least twice collected and this is an upper value)"))
    r = ev.row("express_employment_district", "Ganyu", "2020-01..10")
    months = int(r.period.rsplit("..", 1)[1])  # Jan to this month
    parcels = ev.in_note(r, r"^([\d.]+万) parcels")
    per_c = r.value / (parcels * 12 / months) * 1e4
    d.context.append((Point(per_c * (1 - g) ** 3, (r.cite(),),
                            f"{r.value:g} workers / ({parcels / 1e4:g}万 x 12/{months}) collected x 10^4 = {per_c:.3f} per "
                            f"10,000 collected in 2020, x (1 - {g:g})^3 = {per_c * (1 - g) ** 3:.3f} in 2023"),
                      "an outbound producing district: its deliveries are not known, so no handled basis; on any "
                      "handled basis it is below this collected-basis value, under the range"))
    r = ev.row("express_employment_city", "Nanchang", "2013")
    d.context.append((Point(r.value * _MULT["万"] / ev.in_note(r, r"(\d+万) parcels") * 1e4, (r.cite(),),
                            "over 1万 workers / 4700万 collected parcels in 2013 (per collected parcel)"),
                      "ten years before 2023, on a collected basis with the city's deliveries unknown, from the "
                      "low-productivity era PRIORS.md section 5 names; rolling it ten years at one rate is not evidence"))
    r = ev.row("jobs_per_volume_increment", "China", "2020")
    m = r.value * _MULT["万"] / (100 * _MULT["亿"] * 2) * 1e4
    d.context.append((Point(m, (r.cite(),), f"{r.value:g}万 jobs per extra 100亿 collected = {m:.3f} per 10,000 extra "
                                            "handled (2020)"),
                      "a marginal rate (jobs added per extra parcel), not the average: evidence for the yearly fall "
                      "(jobs_productivity_growth), not for the level"))
    return d


def jobs_productivity(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """Yearly fall of jobs per parcel handled."""
    d = Derivation("jobs_productivity_growth",
                   "yearly fall of jobs per parcel handled [fraction a year]: where each extra parcel adds the "
                   "marginal m jobs and the average is a, volume growth G lowers the average by G (1 - m/a) / (1 + G) "
                   "a year; both m and a on a handled basis",
                   priors_spread=priors_triple("jobs_productivity_growth"))
    inc = ev.row("jobs_per_volume_increment", "China", "2020")
    m = inc.value * _MULT["万"] / (100 * _MULT["亿"] * 2) * 1e4
    avgs = []
    for param, period in (("express_employment_national", "2017"), ("express_employment_couriers", "2018")):
        r = ev.row(param, "China", period)
        vol, _, vcite = ev.national("express_volume", int(period))
        avgs.append((r.value * _MULT["万"] / (2 * vol) * 1e4, r.cite(), vcite, int(period)))
    for year in (2023, 2024):
        _, growth, gcite = ev.national("express_volume", year)
        assert growth is not None
        G = growth / 100
        for a, acite, vcite, ay in avgs:
            fall = G * (1 - m / a) / (1 + G)
            d.core.append(Point(fall, (inc.cite(), acite, vcite, gcite),
                                f"m = {m:.3f} (2020), a = {a:.3f} ({ay}), G = {growth:g}% ({year}): "
                                f"{G:.3f} x (1 - {m / a:.3f}) / (1 + {G:.3f}) = {fall:.3f}"))
    hub = ev.row("express_employment_province", "Hubei", "2023-H1")
    a23 = hub.value * _MULT["万"] / (2 * ev.in_note(hub, r"with (~?[\d.]+亿) parcels/yr")) * 1e4
    for a, acite, vcite, ay in avgs:
        fall = 1 - (a23 / a) ** (1 / (2023 - ay))
        d.core.append(Point(fall, (acite, vcite, hub.cite()),
                            f"average {a:.3f} (China {ay}) to {a23:.3f} (Hubei 2023): 1 - ({a23:.3f} / {a:.3f})^(1/"
                            f"{2023 - ay}) = {fall:.3f} a year"))
    return d


def online_value(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """Online retail of physical goods per parcel delivered, 2023."""
    dec = centre(reg["online_value_per_parcel_decline"])
    d = Derivation("online_value_per_parcel",
                   "online retail of physical goods [元] per parcel delivered, 2023; a national ratio is online retail "
                   "over the parcels collected, which nationally equal the parcels delivered; other years rolled to "
                   f"2023 at the register's own yearly fall online_value_per_parcel_decline = {dec:g}",
                   priors_spread=priors_triple("online_value_per_parcel"))
    r = ev.row("online_retail_physical_national", "China", "2023")
    vol, _, vcite = ev.national("express_volume", 2023)
    v = r.value * _MULT["亿"] / vol
    d.core.append(Point(v, (r.cite(), vcite), f"{r.value:g}亿元 / {vol / 1e8:.1f}亿 parcels = {v:.1f} 元 (2023)"))
    r = ev.row("online_retail_supported_per_parcel", "Hubei", "2023-H1")
    d.core.append(Point(r.value, (r.cite(),), f"{r.value:g} 元 per parcel in Hubei, 2023 H1 (the row: 1500亿元 / 16.81亿)"))
    for param, period, base in (("online_retail_supported_national", "2019", "(\\d+(?:\\.\\d+)?亿) parcels supported"),
                                ("online_retail_supported_national", "2016", r"on ([\d.]+亿)")):
        r = ev.row(param, "China", period)
        parcels = ev.in_note(r, base)
        v0 = r.value * _MULT["亿"] / parcels
        v = v0 * (1 - dec) ** (2023 - int(period))
        d.core.append(Point(v, (r.cite(),), f"{r.value:g}亿元 / {parcels / 1e8:g}亿 parcels = {v0:.1f} 元 ({period}); "
                                            f"x (1 - {dec:g})^{2023 - int(period)} = {v:.1f} in 2023"))
    r = ev.row("value_per_parcel_national", "China", "2019")
    v = r.value * (1 - dec) ** 4
    d.core.append(Point(v, (r.cite(),), f"{r.value:g} 元 (2019) x (1 - {dec:g})^4 = {v:.1f} in 2023"))
    vol24, g24, v24 = ev.national("express_volume", 2024)
    assert g24 is not None
    base23 = vol24 / (1 + g24 / 100)  # 2023 on the 2024 (chain-linked) scope, the basis of the engine's parcels
    r = ev.row("online_retail_physical_national", "China", "2023")
    v = r.value * _MULT["亿"] / base23
    d.core.append(Point(v, (r.cite(), v24), f"{r.value:g}亿元 / ({vol24 / 1e8:.1f}亿 (2024) / (1 + {g24:g}%)) = "
                                            f"{v:.1f} 元 (2023 on the 2024 scope: the 2024 count grew {g24:g}% on a "
                                            "comparable basis, so 2023 holds more parcels than the 1320.7亿 published "
                                            "before the scope change; the calibration's parcels are on this basis)"))
    r = ev.row("online_retail_per_parcel", "Unnamed western", "2016-01..02")
    d.context.append((Point(r.value, (r.cite(),), f"{r.value:g} 元 per parcel handled, 2016 Jan-Feb"),
                      "two winter months of one prefecture in 2016 (Spring Festival gifts), with its own claim of "
                      "online retail supported; not a yearly ratio"))
    return d


def online_decline(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """Yearly fall of the online retail value per parcel."""
    d = Derivation("online_value_per_parcel_decline",
                   "yearly fall of online retail per parcel [fraction a year], between two national ratios "
                   "(online retail over parcels, each parcel once)", priors_spread=priors_triple("online_value_per_parcel_decline"))
    r23 = ev.row("online_retail_physical_national", "China", "2023")
    vol23, _, c23 = ev.national("express_volume", 2023)
    v23 = r23.value * _MULT["亿"] / vol23
    for period, pat in (("2019", "(\\d+(?:\\.\\d+)?亿) parcels supported"), ("2016", r"on ([\d.]+亿)")):
        r = ev.row("online_retail_supported_national", "China", period)
        v0 = r.value * _MULT["亿"] / ev.in_note(r, pat)
        fall = 1 - (v23 / v0) ** (1 / (2023 - int(period)))
        d.core.append(Point(fall, (r.cite(), r23.cite(), c23), f"{v0:.1f} 元 ({period}) to {v23:.1f} 元 (2023): "
                                                               f"{fall:.3f} a year"))
    r = ev.row("value_per_parcel_national", "China", "2019")
    fall = 1 - (v23 / r.value) ** (1 / 4)
    d.core.append(Point(fall, (r.cite(), r23.cite()), f"{r.value:g} 元 (2019) to {v23:.1f} 元 (2023): {fall:.3f} a year"))
    r = ev.row("online_retail_total_national", "China", "2024")
    total = ev.in_note(r23, r"of ([\d.]+亿) total")
    vol24, g24, c24 = ev.national("express_volume", 2024)
    assert g24 is not None
    v23c = r23.value * _MULT["亿"] / (vol24 / (1 + g24 / 100))
    v24 = r.value * _MULT["亿"] * (r23.value * _MULT["亿"] / total) / vol24
    fall = 1 - v24 / v23c
    d.core.append(Point(fall, (r.cite(), r23.cite(), c24),
                        f"{v23c:.1f} 元 (2023 on the 2024 scope, the 2024 count / (1 + {g24:g}%)) to {v24:.1f} 元 (2024, "
                        f"physical goods at 2023's share {r23.value:g}/{total / 1e8:g}): {fall:.3f}"))
    return d


def specialty_share(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """Share of collected parcels that are local farm or specialty goods."""
    d = Derivation("specialty_share_outbound",
                   "local farm and specialty parcels / all parcels collected [fraction], a province's own count of "
                   "farm-product parcels over its collected parcels (recent years)",
                   priors_spread=priors_triple("specialty_share_outbound"))
    r = ev.row("agri_parcels_share_proxy", "Gansu", "2024-01..08")
    total = ev.in_note(r, r"province total (~[\d.]+亿) by mid-Sep")
    months_num, months_den = 8, 8.5  # Jan-Aug farm parcels against a total to mid-September (the row's note)
    share = r.value * _MULT["万"] / (total * months_num / months_den)
    d.core.append(Point(share, (r.cite(),), f"{r.value:g}万 farm parcels (Jan-Aug) / ({total / 1e8:g}亿 collected to "
                                            f"mid-Sep x {months_num}/{months_den} months) = {share:.3f}"))
    r = ev.row("agri_parcels_share_proxy", "Gansu", "2025")
    farm = ev.in_note(r, r"sent >(\d+万) farm-product")
    allp = ev.in_note(r, r"out of >(\d+亿) total")
    d.core.append(Point(farm / allp, (r.cite(),), f"{farm / 1e4:g}万 farm parcels / {allp / 1e8:g}亿 collected = "
                                                  f"{farm / allp:.3f} (2025)"))
    r = ev.row("ecommerce_share_of_collected", "Unnamed western", "2016-01..02")
    d.context.append((Point(r.value / 100, (r.cite(),), f"{r.value:g}% of collected parcels were e-commerce, 2016 Jan-Feb"),
                      "all e-commerce parcels (not specialty goods) of one prefecture in two winter months of 2016, "
                      "before the rural network; a floor of another era"))
    r = ev.row("agri_value_per_parcel", "Xingtai", "2021-01..11")
    tot = ev.row("rural_share_of_volume", "Xingtai", "2021-01..11")
    spec = ev.in_note(r, r"^express serving local specialty industries: ([\d.]+亿)")
    alln = ev.in_note(tot, r"of ([\d.]+亿) total")
    d.context.append((Point(spec / alln, (r.cite(), tot.cite()), f"{spec / 1e8:g}亿 parcels of specialty industries / "
                                                                  f"{alln / 1e8:g}亿 collected = {spec / alln:.2f} (2021)"),
                      "a manufacturing city's 'specialty industries' (not farm goods), and the two counts cover "
                      "different months"))
    return d


def specialty_value(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """Value of specialty goods per specialty parcel."""
    d = Derivation("specialty_value_per_parcel",
                   "farm or specialty output value [元] per express parcel that carries it (value tied to parcels "
                   "by a province's or county's own count, 2021-2024)",
                   priors_spread=priors_triple("specialty_value_per_parcel"))
    for geo, period in (("Jiangsu", "2021"), ("Xingtai", "2021-01..11"), ("Zhengning", "2024")):
        r = ev.row("agri_value_per_parcel", geo, period)
        d.core.append(Point(r.value, (r.cite(),), f"{r.value:g} 元 per parcel ({geo} {period}, derived in the row)"))
    r = ev.row("specialty_value_per_parcel", "Liuzhou", "2020")
    d.context.append((Point(r.value, (r.cite(),), f"{r.value:g} 元 per parcel (2020)"),
                      "an upper bound (the parcels of one carrier only) for a branded processed food"))
    r = ev.row("specialty_value_per_parcel", "Unnamed western", "2016-01..02")
    d.context.append((Point(r.value, (r.cite(),), f"{r.value:g} 元 per parcel of about 5 kg (2016 Jan-Feb)"),
                      "two winter months of 2016 (Spring Festival gift season) with 5 kg parcels; its specialty "
                      "count is 80% of the same months' collections, so the period of the two counts is unclear"))
    return d


def revenue_relative(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """The region's revenue per collected parcel against the national one, 2023."""
    d = Derivation("local_revenue_per_parcel_relative",
                   "revenue per collected parcel of a western province or region / national revenue per parcel "
                   "[ratio], the same period or the nearest national figure; the register's central value is "
                   "its lognormal median")
    for period in ("2020-01..08", "2021-H1"):
        rv = ev.row("regional_revenue_share_west", "China", period)
        vv = ev.row("regional_volume_share_west", "China", period)
        d.core.append(Point(rv.value / vv.value, (rv.cite(), vv.cite()),
                            f"west's revenue share {rv.value:g}% / volume share {vv.value:g}% = {rv.value / vv.value:.3f} "
                            f"({period})"))
    rev17, _, r17 = ev.national("express_revenue", 2017)
    vol17, _, v17 = ev.national("express_volume", 2017)
    nat = {("2017-Q1"): (rev17 / vol17, f"national 2017 {rev17 / vol17:.2f} 元 ({r17}; {v17})")}
    n20 = ev.row("revenue_per_parcel_national", "China", "2020-01..08")
    nat["2020-01..04"] = (n20.value, f"national {n20.value:g} 元 ({n20.cite()})")
    rev24, _, r24 = ev.national("express_revenue", 2024)
    vol24, _, v24 = ev.national("express_volume", 2024)
    nat["2024-01..04"] = (rev24 / vol24, f"national 2024 {rev24 / vol24:.2f} 元 ({r24}; {v24})")
    n19 = ev.row("revenue_per_parcel_national", "China", "2019-01..09")
    nat["2019-Q1"] = (n19.value, f"national {n19.value:g} 元 ({n19.cite()})")
    n21 = ev.row("revenue_per_parcel_national", "China", "2021-01")
    nat["2021-01..02"] = (n21.value, f"national {n21.value:g} 元 ({n21.cite()})")
    rev23, _, r23 = ev.national("express_revenue", 2023)
    vol23, _, v23 = ev.national("express_volume", 2023)
    nat["2023-01..02"] = (rev23 / vol23, f"national 2023 {rev23 / vol23:.2f} 元 ({r23}; {v23})")
    for geo, period in (("Guizhou", "2017-Q1"), ("Guizhou", "2020-01..04"), ("Guizhou", "2024-01..04"),
                        ("Yunnan", "2019-Q1"), ("Yunnan", "2021-01..02"), ("Yunnan", "2023-01..02")):
        r = ev.row("revenue_per_parcel_province", geo, period)
        n, ncite = nat[period]
        d.core.append(Point(r.value / n, (r.cite(),), f"{geo} {r.value:g} 元 ({period}) / {ncite} = {r.value / n:.3f}"))
    r = ev.row("revenue_per_collected_parcel", "Unnamed western", "2016-01..02")
    n16 = ev.row("revenue_per_parcel_national", "China", "2016")
    d.context.append((Point(r.value / n16.value, (r.cite(), n16.cite()), f"{r.value:g} / {n16.value:g} = "
                                                                          f"{r.value / n16.value:.2f} (2016)"),
                      "one remote prefecture's two winter months of 2016, high-tariff era"))
    w10 = ev.row("regional_volume_share_west", "China", "2010-H1")
    rv10 = ev.in_note(w10, r"and ([\d.]+)% of revenue")
    d.context.append((Point(rv10 / w10.value, (w10.cite(),), f"{rv10:g}% / {w10.value:g}% = {rv10 / w10.value:.2f} (2010)"),
                      "thirteen years before 2023 (the premium has since appeared)"))
    return d


def revenue_2023(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """Revenue per collected parcel in the region, 2023 (kept as the evidence behind the relative factor)."""
    base = revenue_relative(ev, reg)
    rev23, _, r23 = ev.national("express_revenue", 2023)
    vol23, _, v23 = ev.national("express_volume", 2023)
    n = rev23 / vol23
    d = Derivation("revenue_per_parcel_2023",
                   f"revenue per collected parcel [元/件], 2023: national 2023 {n:.2f} 元 ({r23}; {v23}) times each "
                   "premium point of local_revenue_per_parcel_relative")
    for p in base.core:
        d.core.append(Point(n * p.value, (*p.rows, r23, v23), f"{n:.2f} x {p.value:.3f} = {n * p.value:.2f} 元"))
    return d


def revenue_decline(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """Yearly fall of revenue per parcel (not drawn; a cross-check of the calibrated drift)."""
    d = Derivation("revenue_per_parcel_decline", "yearly fall of revenue per collected parcel [fraction a year], "
                                                 "national annual figures and Guizhou's Jan-Apr releases")
    rates = {}
    for y in (2017, 2023, 2024):
        rev, _, rc = ev.national("express_revenue", y)
        vol, _, vc = ev.national("express_volume", y)
        rates[y] = (rev / vol, rc, vc)
    fall = 1 - (rates[2023][0] / rates[2017][0]) ** (1 / 6)
    d.core.append(Point(fall, (rates[2017][1], rates[2017][2], rates[2023][1], rates[2023][2]),
                        f"national {rates[2017][0]:.2f} 元 (2017) to {rates[2023][0]:.2f} 元 (2023): {fall:.3f} a year"))
    rev23, rev24 = ev.national("express_revenue", 2023)[0], ev.national("express_revenue", 2024)[0]
    _, g24, gc = ev.national("express_volume", 2024)
    assert g24 is not None
    fall = 1 - (rev24 / rev23) / (1 + g24 / 100)
    d.core.append(Point(fall, (rates[2023][1], rates[2024][1], gc),
                        f"2024 over 2023: revenue x {rev24 / rev23:.3f} against parcels x {1 + g24 / 100:.3f} on a "
                        f"comparable basis (the 2024 scope change left out): {fall:.3f}"))
    g20 = ev.row("revenue_per_parcel_province", "Guizhou", "2020-01..04")
    gz24 = ev.row("revenue_per_parcel_province", "Guizhou", "2024-01..04")
    fall = 1 - (gz24.value / g20.value) ** (1 / 4)
    d.core.append(Point(fall, (g20.cite(), gz24.cite()), f"Guizhou {g20.value:g} 元 (2020 Jan-Apr) to {gz24.value:g} 元 "
                                                        f"(2024 Jan-Apr): {fall:.3f} a year"))
    return d


def station_keepers(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """Village station keepers per 10,000 parcels handled in the region (the broad jobs reading)."""
    d = Derivation("station_keepers_per_10k_parcels",
                   "village delivery-station keepers [people, one per station] per 10,000 parcels handled in the "
                   "region (in + out): national village stations over national rural parcels handled (collected + "
                   "delivered), times the region's rural share of its people (1 - urbanisation rate, "
                   "observations.csv), 2021-2022")
    st = ev.row("village_stations_national", "China", "2022")
    rural = ev.row("rural_parcels_national", "China", "2021")
    vol21, _, c21 = ev.national("express_volume", 2021)
    vol22, _, c22 = ev.national("express_volume", 2022)
    rural22 = rural.value * _MULT["亿"] * vol22 / vol21
    per_rural = st.value / rural22 * 1e4
    urb = [r for r in ev.obs if r["geography"] == "Bijie" and r["indicator"].startswith("urbanization_rate")]
    for u in [max(urb, key=lambda r: r["period"])]:  # the latest rate
        share = 1 - float(u["value"]) / 100
        d.core.append(Point(per_rural * share, (st.cite(), rural.cite(), c21, c22, f"observations.csv: Bijie urbanization_rate {u['period']}"),
                            f"{st.value:g} stations / ({rural.value:g}亿 rural parcels handled in 2021 x {vol22 / 1e8:.1f}/"
                            f"{vol21 / 1e8:.1f} national growth to 2022) x 10^4 = {per_rural:.4f} per 10,000 rural parcels; "
                            f"x rural share {share:.3f} ({u['period']}) = {per_rural * share:.4f}"))
    return d


def outside_capital_factor(ev: Evidence) -> Derivation:
    """Not in the register: a non-capital prefecture's revenue per parcel over its province's (Yunnan rows)."""
    d = Derivation("proposed: region_revenue_per_parcel_over_province",
                   "revenue per collected parcel of a province outside its capital / the province's own [ratio]: "
                   "(province revenue - capital revenue) / (province parcels - capital parcels), over the "
                   "province's revenue per parcel, from the figures printed in one row's note")
    pats = (r"Yunnan revenue ([\d.]+亿)", r"Yunnan ([\d.]+亿) /", r"/ ([\d.]+万) parcels", r"/ ([\d.]+万) \(derived\)",
            r"Kunming ([\d.]+亿)/", r"Kunming [\d.]+亿/([\d.]+万)")
    for period in ("2019-Q1", "2021-01..02"):
        r = ev.row("revenue_per_parcel_province", "Yunnan", period)
        found = {}
        for pat in pats:
            try:
                found[pat] = ev.in_note(r, pat)
            except LookupError:
                continue
        rev, par = found.get(pats[0], found.get(pats[1])), found.get(pats[2], found.get(pats[3]))
        crev, cpar = found[pats[4]], found[pats[5]]
        assert rev is not None and par is not None
        k = ((rev - crev) / (par - cpar)) / (rev / par)
        d.core.append(Point(k, (r.cite(),), f"Yunnan {rev / 1e8:g}亿元 / {par / 1e4:g}万 parcels, Kunming {crev / 1e8:g}亿元 / "
                                            f"{cpar / 1e4:g}万 ({period}): outside Kunming {(rev - crev) / (par - cpar):.1f} 元 "
                                            f"against {rev / par:.1f} 元, k = {k:.3f}"))
    return d


def premium_drift(ev: Evidence, reg: dict[str, dict[str, Any]]) -> Derivation:
    """Not in the register: yearly log change of a western premium (revenue per parcel over national)."""
    base = revenue_relative(ev, reg)
    d = Derivation("proposed: local_revenue_per_parcel_relative drift",
                   "yearly change of log(premium) between two premium points of the same place [log per year]")

    def year_of(p: Point) -> float:
        m = re.search(r"\((\d{4})", p.steps) or re.search(r"(\d{4})", p.steps)
        assert m
        return float(m.group(1))

    by_place: dict[str, list[Point]] = {}
    for p in base.core:
        place = "west" if p.steps.startswith("west") else p.steps.split()[0]
        by_place.setdefault(place, []).append(p)
    for place, pts in by_place.items():
        pts = sorted(pts, key=year_of)
        a, b = pts[0], pts[-1]
        if year_of(b) > year_of(a):
            slope = math.log(b.value / a.value) / (year_of(b) - year_of(a))
            d.core.append(Point(slope, (*a.rows, *b.rows), f"{place}: {a.value:.3f} ({year_of(a):.0f}) to {b.value:.3f} "
                                                           f"({year_of(b):.0f}): {slope:+.3f} a year"))
        if len(pts) > 2:
            a = pts[-2]
            slope = math.log(b.value / a.value) / (year_of(b) - year_of(a))
            d.core.append(Point(slope, (*a.rows, *b.rows), f"{place}: {a.value:.3f} ({year_of(a):.0f}) to {b.value:.3f} "
                                                           f"({year_of(b):.0f}): {slope:+.3f} a year"))
    return d


#: the PRIORS.md line whose suggested "**low / central / high**" sets a re-centred entry's spread
PRIORS_LINES = {
    "jobs_per_10k_parcels_2023": "Jobs per 10,000 parcels handled",
    "specialty_share_outbound": "Share of Bijie outbound parcels that are farm or specialty goods",
    "specialty_value_per_parcel": "Specialty value per outbound specialty parcel",
}


def priors_triple(parameter: str, path: Path = DATA / "PRIORS.md") -> tuple[float, float, float] | None:
    """PRIORS.md's suggested low / central / high for ``parameter`` (None: it suggests none)."""
    start = PRIORS_LINES.get(parameter)
    if start is None:
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip("- ").startswith(start):
            m = re.search(r"\*\*([\d.]+)%? / ([\d.]+)%? / ([\d.]+)%?", line)
            if m:
                scale = 0.01 if "%" in m.group(0) else 1.0
                lo, mid, hi = (float(m.group(i)) * scale for i in (1, 2, 3))
                return lo, mid, hi
    raise LookupError(f"PRIORS.md: no suggested range on a line starting {start!r}")


DERIVATIONS: tuple[Callable[[Evidence, dict[str, dict[str, Any]]], Derivation], ...] = (
    jobs_per_10k, jobs_productivity, station_keepers, online_value, online_decline, specialty_share, specialty_value,
    revenue_relative, revenue_2023, revenue_decline,
)


def derive(reg: dict[str, dict[str, Any]] | None = None) -> list[Derivation]:
    """Every derivation, on the shipped evidence rows and register."""
    r = reg if reg is not None else register()
    ev = Evidence(evidence_rows())
    return [f(ev, r) for f in DERIVATIONS]


def records(reg: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The ``--json`` records: parameter, the register's central value, the evidence range and its basis."""
    r = reg if reg is not None else register()
    return [{"parameter": d.parameter, "mode": centre(r[d.parameter]), "evidence_low": round(d.low, 4),
             "evidence_high": round(d.high, 4), "basis": d.basis} for d in derive(r)]


def report(reg: dict[str, dict[str, Any]] | None = None) -> str:
    """Every derivation step by step, in words."""
    r = reg if reg is not None else register()
    lines = []
    for d in derive(r):
        c = centre(r[d.parameter])
        inside = d.low <= c <= d.high
        lines += [f"{d.parameter}: register {c:g}; evidence {d.low:.4g} - {d.high:.4g} "
                  f"({'inside' if inside else 'OUTSIDE'})", f"  basis: {d.basis}"]
        lines += [f"  * {p.steps}\n      rows: {'; '.join(p.rows)}" for p in d.core]
        lines += [f"  - context {p.value:.4g}: {p.steps}; not in the range: {why}" for p, why in d.context]
        s = d.suggested()
        if s is not None:
            lo, mid, hi = d.priors_spread or (math.nan,) * 3
            lines.append(f"  suggested triangular {s[0]:g} / {s[1]:g} / {s[2]:g} (median of the points; PRIORS.md's "
                         f"spread {lo:g} / {mid:g} / {hi:g} kept)")
        lines.append("")
    ev = Evidence(evidence_rows())
    lines.append("Not register entries (what the region's revenue premium would need to follow its province):")
    for d in (outside_capital_factor(ev), premium_drift(ev, r)):
        lines += [f"{d.parameter}: evidence {d.low:.4g} - {d.high:.4g}", f"  basis: {d.basis}"]
        lines += [f"  * {p.steps}\n      rows: {'; '.join(p.rows)}" for p in d.core]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the records as JSON")
    args = ap.parse_args(argv)
    if args.json:
        print(json.dumps(records(), ensure_ascii=False, indent=1))
    else:
        print(report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
