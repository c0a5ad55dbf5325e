"""The region's parcels per head, built from the evidence rows: the local priors and their prediction interval.

    python benchmarks/local_prior_evidence.py           # every step, in words
    python benchmarks/local_prior_evidence.py --json    # [{"parameter", "median", "sigma", "low90", "high90", ...}]

    python benchmarks/local_prior_evidence.py --region Kunming --province Yunnan   # another region's priors

The calibration's two local priors (``calibration/data/assumptions.yaml`` for the default region pack, a
pack's ``register:`` for another region) are

* ``local_collected_intensity``: the region's parcels collected per head over its province's (2023);
* ``local_delivered_relative``: the region's parcels delivered per head over the nation's (2023, against the
  national count on its basis before the 2024 scope break);
* and ``local_intensity_correlation``, the correlation of their logs.

The model, every number read from a row (the only literals are unit multipliers and the draw count):

1. **Across provinces** (SPB's 2024 table of the 31 provinces, ``releases_2025.csv``; 2020 census rows of
   ``priors_evidence.csv``, the provinces whose prefecture rows are complete):
   ``log(q_i / q_nation) = a + b u_i + e_i``, ``q`` parcels collected per head, ``u`` the urban share of the
   residents.  Each province is predicted from the other ones (leave-one-out): the LOO errors ``e_(-i)``
   are the model's out-of-sample error for a unit it has not seen, and the LOO slopes give the slope's
   uncertainty (jackknife).
2. **Within a province**, a prefecture's parcels per head over its province's is
   ``exp(b u_j + k [j is the capital]) / Σ_m w_m exp(b u_m + k [m is the capital])``, ``w`` the
   prefectures' shares of the province's residents (census rows), ``b`` the slope of step 1 and ``k`` the
   capital's primacy beyond its urban share, solved from each published capital share of its province's
   parcels (Guiyang 2017-Q1 in Guizhou, Kunming 2019-Q1 and 2021-01..02 in Yunnan), except the region's own
   windows (a capital's share of its province is the region's own figure: its calibration reads it, its prior
   must not, so a capital's prior is out of sample for its own releases).
3. **The region**: step 2 for the region in its province, times ``exp(e)`` with ``e`` drawn from the
   provinces' LOO errors (the region's own deviation taken as large as a province's from the line: no
   series within a province measures it; a conservative choice).  Draws of ``b`` (normal, jackknife SD),
   ``k`` (one of the capital windows) and ``e`` give the collected intensity's distribution.
4. **Delivered**: delivered per head = collected per head × the in/out ratio, so
   ``v = c × (q_province / q_nation)_2023 × ρ × break``: the province's 2023 relative rate (2024 table rolled
   back with the two growth rates of the same rows), ``ρ`` lognormal from the in/out rows of western or
   consumption-type areas (independent of ``c``), ``break`` the national scope-break ratio the calibration
   reads from the data (the register's ratio is against the national count before the break).  A province's
   capital is not such an area: it collects far more per head than its province (the primacy of step 2), and
   the one capital's in/out row in the evidence (Chengdu 2019-Q1, 0.99) is near 1; for a capital ``ρ`` is
   centred on the capitals' rows, its log SD that of every in/out row of the evidence (one row gives no
   spread; the spread over places of every kind is the assumption, labelled as such).

A lognormal is fitted to each (median; ``sigma`` from the 5-95% range, ``ln(q95/q05) / 3.29``), and the
correlation of the logs is reported.  Checks printed beside them (not used in the fit): the rest of the
province outside its capital, a western non-capital prefecture's rate (Guigang 2022) against the line, and a
sorting centre's daily inbound in a comparable prefecture (Kaili, January 2026) as a lower bound of the
delivered ratio.  ``tests/test_local_prior_evidence.py`` checks the register holds these values.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "calibration" / "data"
#: unit multipliers (the only literal numbers besides the draw count and its seed)
_MULT = {"亿": 1e8, "万": 1e4}
DRAWS = 200_000
SEED = 18
#: roles of the places in the model (the region, its province, the nation; capitals with a published share)
REGION, PROVINCE, NATION = "Bijie", "Guizhou", "China"
#: a comparable non-capital prefecture with a sorting centre's daily inbound (step 5: a bound for the regions of
#: its province that are not the capital)
PEER = "Qiandongnan"
CAPITAL_SHARES = (  # (capital, province, window): published capital volume over the province's in one window
    ("Guiyang", "Guizhou", "2017-Q1"),
    ("Kunming", "Yunnan", "2019-Q1"),
    ("Kunming", "Yunnan", "2021-01..02"),
)
#: in/out-ratio rows of western or consumption-type areas (priors_evidence.csv, ``inbound_outbound_ratio``):
#: the row notes call them so; east- and central-China producing areas are left out
WESTERN_INOUT = ("Shiping", "Unnamed western", "Hainan")
#: in/out-ratio rows of provincial capitals (a capital region's centre of ``ρ``)
CAPITAL_INOUT = ("Chengdu",)


@dataclass(frozen=True)
class Row:
    """One evidence row: geography (English key before any bracket), indicator, period, value [unit], source."""

    key: str
    geography: str
    indicator: str
    period: str
    value: float
    unit: str
    source: str
    note: str
    growth: float = math.nan  # year-on-year growth [fraction] when the row gives one

    def scaled(self) -> float:
        """The value in units (亿 and 万 multiplied out)."""
        for k, m in _MULT.items():
            if self.unit.startswith(k):
                return self.value * m
        return self.value


def _key(geography: str) -> str:
    return re.split(r"[(（ ]", geography.strip().strip('"'), maxsplit=1)[0]


def read_observations(*names: str) -> list[Row]:
    """Rows of observation-format files (geography, indicator, period, value, unit, growth, source, note)."""
    out: list[Row] = []
    for name in names:
        with open(DATA / name, encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                try:
                    v = float(r["value"])
                except (TypeError, ValueError):
                    continue
                try:
                    g = float(r.get("yoy_growth_pct") or "nan") / 100
                except ValueError:
                    g = math.nan
                out.append(Row(_key(r["geography"]), r["geography"], r["indicator"].split("(")[0], r["period"].strip(),
                               v, r["unit"].strip(), r.get("source_url", ""), r.get("note", ""), g))
    return out


def read_evidence() -> list[Row]:
    """Rows of ``priors_evidence.csv`` (parameter, geography, period, value, unit, source, note)."""
    out: list[Row] = []
    with open(DATA / "priors_evidence.csv", encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            try:
                v = float(r["value"])
            except (TypeError, ValueError):
                continue
            out.append(Row(_key(r["geography"]), r["geography"], r["parameter"], r["period"].strip(), v,
                           r["unit"].strip(), r["source_url"], r["note"]))
    return out


def one(rows: Iterable[Row], key: str, indicator: str, period: str, source: str = "") -> Row:
    """The first row of ``key``'s ``indicator`` in ``period`` (whose source contains ``source``)."""
    for r in rows:
        if r.key == key and r.indicator == indicator and r.period == period and source in r.source:
            return r
    raise LookupError(f"no row {key} {indicator} {period} {source}")


@dataclass(frozen=True)
class Province:
    """A province of the 2024 table with its census: parcels collected per head [件/人] and urban share [-]."""

    name: str
    volume: float
    growth: float
    population: float
    urban: float

    @property
    def per_head(self) -> float:
        return self.volume / self.population

    @property
    def urban_share(self) -> float:
        return self.urban / self.population


def provinces(obs: list[Row], ev: list[Row]) -> list[Province]:
    """Provinces with a 2024 row of SPB's provincial table and complete census rows."""
    census = {r.key: r.value for r in ev if r.indicator == "census_2020_population"}
    urban = {r.key: r.value for r in ev if r.indicator == "census_2020_urban_population"}
    table = [r for r in obs if r.indicator == "express_volume" and r.period == "2024" and "province_2024" in r.source
             and r.key != NATION]
    seen: dict[str, Province] = {}
    for r in table:
        if r.key in census and r.key in urban and r.key not in seen:
            seen[r.key] = Province(r.key, r.scaled(), r.growth, census[r.key], urban[r.key])
    return sorted(seen.values(), key=lambda p: p.urban_share)


@dataclass(frozen=True)
class Line:
    """``log(q / q_nation) = a + b u``: fit on all provinces, LOO errors and LOO slopes."""

    a: float
    b: float
    loo_errors: np.ndarray
    loo_slopes: np.ndarray
    names: tuple[str, ...]

    @property
    def loo_rmse(self) -> float:
        return float(np.sqrt(np.mean(self.loo_errors**2)))

    @property
    def slope_sd(self) -> float:
        """Jackknife SD of the slope: ``sqrt((n-1)/n Σ (b_(-i) - mean)^2)``."""
        n = self.loo_slopes.size
        return float(np.sqrt((n - 1) / n * np.sum((self.loo_slopes - self.loo_slopes.mean()) ** 2)))


def fit_line(ps: list[Province], q_nation: float) -> Line:
    """OLS of the log relative rate on the urban share, and each province left out in turn."""
    u = np.array([p.urban_share for p in ps])
    y = np.log(np.array([p.per_head for p in ps]) / q_nation)
    b, a = np.polyfit(u, y, 1)
    errs, slopes = [], []
    for i in range(u.size):
        m = np.arange(u.size) != i
        bi, ai = np.polyfit(u[m], y[m], 1)
        errs.append(y[i] - (ai + bi * u[i]))
        slopes.append(bi)
    return Line(float(a), float(b), np.array(errs), np.array(slopes), tuple(p.name for p in ps))


@dataclass(frozen=True)
class Prefectures:
    """A province's prefectures from the census rows: names, shares of residents [-], urban shares [-]."""

    names: tuple[str, ...]
    weights: np.ndarray
    urban: np.ndarray

    def relative(self, b: np.ndarray, k: np.ndarray, capital: str) -> np.ndarray:
        """Each prefecture's parcels per head over the province's, (draws, prefectures)."""
        cap = np.array([n == capital for n in self.names], dtype=float)
        s = np.exp(np.multiply.outer(b, self.urban) + np.multiply.outer(k, cap))
        return s / (s * self.weights).sum(axis=-1, keepdims=True)


def prefectures(ev: list[Row], province_cn: str) -> Prefectures:
    """The prefecture rows whose note names ``province_cn`` (the census compilation's province)."""
    pop = {r.key: r.value for r in ev if r.indicator == "census_2020_population" and f"province {province_cn}" in r.note}
    urb = {r.key: r.value for r in ev if r.indicator == "census_2020_urban_population" and f"province {province_cn}" in r.note}
    names = tuple(sorted(pop))
    w = np.array([pop[n] for n in names])
    return Prefectures(names, w / w.sum(), np.array([urb[n] / pop[n] for n in names]))


def _province_cn(ev: list[Row], key: str) -> str:
    g = next(r.geography for r in ev if r.key == key and r.indicator == "census_2020_population")
    return g[g.index("(") + 1:g.index(")")]


def capital_primacy(share: float, pref: Prefectures, capital: str, b: float) -> float:
    """``k`` such that the capital's share of the province's parcels is ``share`` (bisection; monotone in k)."""
    i = pref.names.index(capital)
    lo, hi = -10.0, 10.0
    for _ in range(200):
        mid = (lo + hi) / 2
        s = float(pref.weights[i] * pref.relative(np.array([b]), np.array([mid]), capital)[0, i])
        lo, hi = (mid, hi) if s < share else (lo, mid)
    return (lo + hi) / 2


def capital_volume(obs: list[Row], capital: str, window: str) -> float:
    """The capital's parcels in the window: its total, or the sum of its intra-city, inter-city and
    international parts when only those are published."""
    try:
        return one(obs, capital, "express_volume", window).scaled()
    except LookupError:
        parts = ("express_volume_intracity", "express_volume_intercity", "express_volume_international")
        return sum(one(obs, capital, p, window).scaled() for p in parts)


def lognormal_fit(x: np.ndarray) -> tuple[float, float, float, float]:
    """Median, sigma (from the 5-95% range), 5% and 95% of positive draws."""
    q05, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95])
    return float(q50), float(np.log(q95 / q05) / (2 * 1.6448536269514722)), float(q05), float(q95)


def derive(verbose: bool = False, region: str = REGION, province: str = PROVINCE) -> dict[str, Any]:
    """Every step of the model for ``region`` in ``province``; returns the records and the intermediate figures."""
    say = print if verbose else (lambda *a, **k: None)
    obs = read_observations("releases_2025.csv", "observations.csv", "evidence_2025_2026.csv", "drivers.csv")
    ev = read_evidence()
    nat_2024 = one(obs, NATION, "express_volume", "2024", "mot.gov.cn")
    nat_pop = one(obs, NATION, "population_yearend", "2024")
    q_nation = nat_2024.scaled() / nat_pop.scaled()
    say(f"nation 2024: {nat_2024.value} 亿件 (SPB December bulletin) / {nat_pop.value} 万人 = {q_nation:.1f} parcels per head")

    ps = provinces(obs, ev)
    line = fit_line(ps, q_nation)
    say(f"\n1. across {len(ps)} provinces (2024 table; 2020 census, complete prefecture rows):")
    say(f"   log(q/q_nation) = {line.a:.3f} + {line.b:.3f} u;  LOO RMS error {line.loo_rmse:.3f} (log), "
        f"LOO errors 5-95% {np.quantile(line.loo_errors, 0.05):+.2f} to {np.quantile(line.loo_errors, 0.95):+.2f}; "
        f"slope jackknife SD {line.slope_sd:.3f}")
    for p, e in zip(ps, line.loo_errors, strict=True):
        say(f"   {p.name:<15} u {p.urban_share:.3f}  q {p.per_head:7.1f}/head  q/q_nation {p.per_head / q_nation:.3f}  LOO error {e:+.2f}")

    prov = next(p for p in ps if p.name == province)
    home = prefectures(ev, _province_cn(ev, province))
    capitals = {pv: cap for cap, pv, _ in CAPITAL_SHARES}
    say(f"\n2. within a province: capital primacy k from the published capital shares (census weights, b = {line.b:.3f})")
    ks: list[float] = []
    checks: list[str] = []
    for cap, pv, window in CAPITAL_SHARES:
        if cap == region:  # the region's own figure: what its calibration reads, not its prior
            say(f"   {cap} {window}: the region's own window, left out of its prior")
            continue
        share = capital_volume(obs, cap, window) / one(obs, pv, "express_volume", window).scaled()
        pref = prefectures(ev, _province_cn(ev, pv))
        k_one = capital_primacy(share, pref, cap, line.b)
        ks.append(k_one)
        i = pref.names.index(cap)
        rest = (1 - share) / (1 - pref.weights[i])
        say(f"   {cap} {window}: {share:.1%} of {pv}'s parcels with {pref.weights[i]:.1%} of its residents -> k = {k_one:+.3f}; "
            f"the rest of {pv} collects {rest:.2f}x its provincial rate per head")
        checks.append(f"rest of {pv} outside {cap} ({window}): {rest:.2f}")
    k_arr = np.array(ks)

    rng = np.random.default_rng(SEED)
    b = line.b + line.slope_sd * rng.standard_normal(DRAWS)
    k = k_arr[rng.integers(0, k_arr.size, DRAWS)]
    e = line.loo_errors[rng.integers(0, line.loo_errors.size, DRAWS)]
    j = home.names.index(region)
    capital = capitals.get(province, "")
    point = float(home.relative(np.array([line.b]), np.array([k_arr.mean()]), capital)[0, j])
    c = home.relative(b, k, capital)[:, j] * np.exp(e)
    say(f"\n3. {region} in {province}: urban share {home.urban[j]:.3f} against {prov.urban_share:.3f}; allocation at the "
        f"point estimates {point:.3f}; with b, k and the LOO error drawn ({DRAWS:,} draws)")

    # 4. delivered: c x the province's 2023 relative rate x the in/out ratio x the scope break
    g24 = prov.per_head / q_nation
    nat_growth = nat_2024.growth
    g23 = g24 * (1 + nat_growth) / (1 + prov.growth)
    every = [r for r in ev if r.indicator == "inbound_outbound_ratio"]
    is_capital = region == capital
    kinds = CAPITAL_INOUT if is_capital else WESTERN_INOUT
    inout = [r for r in every if any(r.geography.startswith(w) for w in kinds)]
    lr = np.log([r.value for r in inout])
    spread = np.log([r.value for r in every]).std(ddof=1) if is_capital else lr.std(ddof=1)
    rho = np.exp(lr.mean() + spread * rng.standard_normal(DRAWS))
    kind_words = "capital" if is_capital else "western/consumption"
    brk = break_ratio()
    v = c * g23 * rho * brk
    say(f"\n4. delivered: {province}'s rate over the nation's 2024 {g24:.3f}, 2023 {g23:.3f} (growth {prov.growth:.1%} "
        f"against {nat_growth:.1%}); in/out ratio from {len(inout)} {kind_words} row(s) "
        f"({', '.join(f'{r.value:g}' for r in inout)}): geometric mean {math.exp(lr.mean()):.2f}, log SD {spread:.2f}"
        f"{f' (assumed: the spread of all {len(every)} in/out rows)' if is_capital else ''}; "
        f"scope break {brk:.3f}")
    say(f"   before step 5: collected {lognormal_fit(c)[0]:.3f} (90% {lognormal_fit(c)[2]:.3f}-{lognormal_fit(c)[3]:.3f}), "
        f"delivered {lognormal_fit(v)[0]:.3f} (90% {lognormal_fit(v)[2]:.3f}-{lognormal_fit(v)[3]:.3f})")

    # 5. a comparable prefecture's sorting centre: a lower bound of its delivered ratio (for a region of the peer's
    # province that is not its capital: the non-capital prefectures are taken to share one deviation)
    if PEER in home.names and region != capital:
        kaili = one(obs, PEER, "inbound_mail_daily_average", "2026-01")
        kpop = next(r.value for r in ev if r.key == PEER and r.indicator == "census_2020_population")
        fc = one(obs, NATION, "express_volume_forecast", "2026")
        pop25 = one(obs, NATION, "population_yearend", "2025")
        jan = january_share()
        peer_month = kaili.value * 31 / kpop
        nat_month = fc.scaled() * jan / pop25.scaled()
        bound = peer_month / nat_month * brk
        r_peer = home.relative(b, k, capital)[:, home.names.index(PEER)]
        keep = v >= bound * home.relative(b, k, capital)[:, j] / r_peer
        c, v = c[keep], v[keep]
        say(f"\n5. {PEER}'s postal sorting centre, January 2026: {kaili.value:,.0f} inbound a day (China Post's centre "
            f"only, so a lower bound) -> {peer_month:.2f} per head in the month against the nation's {nat_month:.2f} "
            f"(2026 outlook x January's calibrated share {jan:.3f}): its delivered ratio >= {bound:.3f} on the "
            f"register's basis.  The non-capital prefectures of a province are taken to share one deviation from the "
            f"allocation, so {region}'s ratio >= that bound x its allocation over {PEER}'s; draws below it are "
            f"dropped ({1 - keep.mean():.1%} of them)")
    else:
        say(f"\n5. no sorting-centre bound: {PEER} is not a non-capital peer of {region} in {province}")
    c_med, c_sig, c_lo, c_hi = lognormal_fit(c)
    v_med, v_sig, v_lo, v_hi = lognormal_fit(v)
    corr = float(np.corrcoef(np.log(c), np.log(v))[0, 1])
    say(f"   collected intensity median {c_med:.3f}, 90% {c_lo:.3f}-{c_hi:.3f}, lognormal sigma {c_sig:.3f}")
    say(f"   delivered ratio median {v_med:.3f}, 90% {v_lo:.3f}-{v_hi:.3f}, lognormal sigma {v_sig:.3f}; "
        f"correlation of the logs {corr:.2f}")

    # checks (not in the fit)
    gg = one(obs, "Guigang", "express_volume", "2022")
    gpop = next(r.value for r in ev if r.key == "Guigang" and r.indicator == "census_2020_population")
    gurb = next(r.value for r in ev if r.key == "Guigang" and r.indicator == "census_2020_urban_population")
    nat22 = [r for r in obs if r.key == NATION and r.indicator == "express_volume" and r.period == "2022"][0]
    pop22 = one(obs, NATION, "population_yearend", "2022")
    gg_rel = (gg.scaled() / gpop) / (nat22.scaled() / pop22.scaled())
    gg_err = math.log(gg_rel) - (line.a + line.b * gurb / gpop)
    checks.append(f"Guigang 2022: {gg.scaled() / gpop:.1f} parcels per head, {gg_rel:.3f} of the nation's; "
                  f"{gg_err:+.2f} (log) from the 2024 line (its LOO errors 5-95% {np.quantile(line.loo_errors, 0.05):+.2f} "
                  f"to {np.quantile(line.loo_errors, 0.95):+.2f}; years differ)")
    say("\nchecks (not in the fit):")
    for ch in checks:
        say("   " + ch)

    model = ("provinces' 2024 parcels collected per head against their urban share (LOO over "
             f"{len(ps)} provinces), allocated within the province by urban share and capital primacy")
    records = [
        {"parameter": "local_collected_intensity", "median": c_med, "sigma": c_sig, "low90": c_lo, "high90": c_hi,
         "model": model, "loo_rmse": line.loo_rmse, "provinces": len(ps)},
        {"parameter": "local_delivered_relative", "median": v_med, "sigma": v_sig, "low90": v_lo, "high90": v_hi,
         "model": f"collected intensity x the province's 2023 rate over the nation's x {kind_words} in/out ratio x "
                  "scope break",
         "inout_rows": len(inout)},
        {"parameter": "local_intensity_correlation", "value": corr,
         "model": "correlation of the two logs under the model (shared collected intensity)"},
    ]
    return {"records": records, "line": line, "checks": checks}


def break_ratio() -> float:
    """The national scope-break ratio the calibration reads from the shipped data (1 without a break)."""
    from expressim.calibration.fit import annual_series
    from expressim.calibration.observations import load

    s = annual_series(load(), NATION, "express_volume")
    return float(s.breaks[-1][1]) if s.breaks else 1.0


def january_share() -> float:
    """January's share of a year's parcels in the calibrated seasonal profile [-]."""
    from expressim.calibration.observations import load
    from expressim.model.store.fit_cache import fitted_for

    return float(fitted_for(load()).profile.weights[0])


def suggested(records: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """The register values the records give, two significant figures."""
    def sig2(x: float) -> float:
        return float(f"{x:.2g}")

    out: dict[str, dict[str, float]] = {}
    for r in records:
        if "median" in r:
            out[r["parameter"]] = {"median": sig2(r["median"]), "sigma": sig2(r["sigma"])}
        else:
            out[r["parameter"]] = {"value": sig2(r["value"])}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the records as JSON")
    ap.add_argument("--region", default=REGION, help=f"the prefecture (default {REGION})")
    ap.add_argument("--province", default=PROVINCE, help=f"its province (default {PROVINCE})")
    args = ap.parse_args(argv)
    out = derive(verbose=not args.json, region=args.region, province=args.province)
    if args.json:
        print(json.dumps(out["records"], ensure_ascii=False, indent=1))
    else:
        print("\nregister values (two significant figures):")
        for k, v in suggested(out["records"]).items():
            print(f"   {k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
