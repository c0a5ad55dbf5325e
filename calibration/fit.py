"""From an observation set to one fitted generative model of a nation, a province and a prefecture.

The hierarchy (national volume with damped growth and a scope-break offset, national revenue
per parcel, the province's shares, the prefecture's collected intensity, delivered ratio and
revenue-per-parcel factor) is one linear Gaussian state space in logs (:mod:`calibration.statespace`); every
published window enters its likelihood (:mod:`calibration.slots`); the estimate, its
parameter draws and smoothed states (:mod:`calibration.hierarchy`) give coherent paths
(:mod:`calibration.paths`).  :class:`Fitted` answers forecasts of any window and gives the
engine the prefecture's baseline paths from a block of standard normals per replication
(:mod:`calibration.window_forecast` turns one window's draws into the ``forecast`` answer).  Which
geography plays each level is the :class:`calibration.levels.Levels` the fit is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from expressim.calibration import assumptions as reg
from expressim.calibration.errors import FitError
from expressim.calibration.hierarchy import HierarchyFit, fit_hierarchy, floors_from
from expressim.calibration.levels import Levels
from expressim.calibration.monthly import NowcastPlan, fit_layer, nowcast_observations
from expressim.calibration.news import what_moved
from expressim.calibration.observations import Observation, ObservationSet
from expressim.calibration.paths import block_groups, block_size, log_growth, log_level, simulate_states
from expressim.calibration.periods import Period, parse_period
from expressim.calibration.seasonality import SeasonalProfile, profile_from_observations
from expressim.calibration.shares import provincial_shares
from expressim.calibration.slots import Constants, supported, window_var
from expressim.calibration.statespace import IX
from expressim.calibration.usable import MAX_HORIZON, RATIOS

#: the unit of each supported indicator (canonical)
UNITS = {"express_volume": "件", "express_revenue": "元", "express_volume_inbound": "件",
         "express_volume_inout": "件"}
#: per-replication summaries the engine keeps in ``draws.params`` (for binning and rests-on)
BASELINE_FACTORS = ("national_volume_u", "province_share_u", "local_collected_intensity",
                    "local_delivered_relative", "revenue_per_parcel")


@dataclass(frozen=True)
class AnnualSeries:
    """An annual series on one comparable basis.

    ``breaks`` lists ``(year, ratio)``: every level before ``year`` was multiplied by ``ratio``.
    """

    years: np.ndarray
    values: np.ndarray
    breaks: tuple[tuple[int, float], ...] = ()

    def as_dict(self) -> dict[int, float]:
        return {int(y): float(v) for y, v in zip(self.years, self.values, strict=True)}


def annual_series(obs: ObservationSet, geography: str, indicator: str) -> AnnualSeries:
    """Calendar-year levels, published first, derived (from growth rates) only to fill gaps,
    chain-linked across scope breaks so that all years share the latest basis.

    A break at year ``t`` with ratio ``r`` multiplies every level before ``t`` by ``r``.
    """
    levels: dict[int, Observation] = {}
    for o in obs.select(geography, indicator):
        if o.period.kind == "year" and (o.period.year not in levels or levels[o.period.year].derived):
            levels[o.period.year] = o
    if not levels:
        raise FitError(f"no annual {indicator} observations for {geography}")
    years = np.array(sorted(levels))
    # keep the longest run of consecutive years ending at the last one
    gaps = np.nonzero(np.diff(years) != 1)[0]
    if gaps.size:
        years = years[gaps[-1] + 1:]
    values = np.array([levels[y].value for y in years], dtype=float)
    applied: list[tuple[int, float]] = []
    for b in obs.breaks(geography, indicator):
        p = parse_period(b.period)
        if p.kind == "year":
            values[years < p.year] *= b.ratio
            applied.append((p.year, b.ratio))
    return AnnualSeries(years, values, tuple(applied))




def _population(obs: ObservationSet, geography: str, indicator: str) -> float | None:
    rows = obs.select(geography, indicator)
    return rows[-1].value if rows else None


@dataclass(frozen=True)
class Published:
    """A published window as the forecast conditions on it: log value, rounding and deviation variances."""

    log_value: float
    var_round: float
    var_dev: float


@dataclass(frozen=True)
class Fitted:
    """Everything calibration produced.

    Use :meth:`window_draws` / :meth:`annual_draws` for forecasts, and :meth:`baseline_groups`,
    :meth:`local_paths`, :meth:`local_revenue_per_parcel`, :meth:`baseline_summaries` (all
    from one block of standard normals per replication) for the simulation.
    """

    data_hash: str
    until: str | None
    profile: SeasonalProfile
    hier: HierarchyFit
    const: Constants
    floors: dict[str, float]
    published: dict[tuple[str, str, tuple[int, int, int, bool, str]], Published]
    register: dict[str, dict[str, object]]
    populations: dict[str, float]
    notes: tuple[str, ...] = ()
    moved: tuple[dict[str, object], ...] = field(default_factory=tuple)
    #: the monthly layer's nowcasts of the national series in the year of the last release
    nowcasts: tuple[NowcastPlan, ...] = ()

    @property
    def levels(self) -> Levels:
        """The geographies of the hierarchy (nation, province, prefecture)."""
        return self.const.levels

    @property
    def region(self) -> str:
        """The geography (as the observation files name it) whose baseline paths :meth:`local_paths` gives."""
        return self.levels.prefecture

    @property
    def last_year(self) -> int:
        """Last year with an observation (the forecast origin)."""
        return self.hier.last_year

    @property
    def local_anchor_year(self) -> int | None:
        """The last calendar year with a published window of the region's own parcels or revenue,
        or None when the region has none (its paths then rest on the priors alone).

        What :meth:`local_paths` means depends on it.  Up to this year the region's path is its
        history as counted: every figure published for it already contains whatever
        infrastructure was open when it was counted, so an engine must add none of it again.
        After this year the path is that history carried forward without any opening after it
        (the baseline without the plan from then on).  Without a local figure the path is the
        region as its priors describe it, before any opening of a simulated plan.
        """
        years = [key[2][1] // 12 for key in self.published if key[0] == self.region and key[1] in UNITS]
        return max(years) if years else None

    def _pins(self) -> tuple[tuple[str, int, Published], ...]:
        """The region's published full-year figures the paths are held to: (indicator, year, figure),
        by year, then collected, delivered, in+out, revenue (one figure per series and year)."""
        seen: dict[tuple[str, int], Published] = {}
        for (geo, ind, win), pub in self.published.items():
            if geo == self.region and ind in UNITS and win[0] % 12 == 0 and win[1] - win[0] == 11 and not win[3]:
                seen.setdefault((ind, win[0] // 12), pub)
        order = list(UNITS)
        return tuple((ind, y, pub) for (ind, y), pub in sorted(seen.items(), key=lambda kv: (kv[0][1], order.index(kv[0][0]))))

    def _counted(self, years: Sequence[int], z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Log collected [件], delivered [件] and revenue per collected parcel [元/件] of the region on
        the basis its own figures count, each (n, len(years)).

        The state space reads a local figure as the model's quantity times ``exp(e)``, ``e`` its
        deviation (definition mismatch, SD the local floor) plus rounding.  Each replication draws
        the deviation of every full-year figure given the figure (``w (log y - model) + sqrt(w ρ²) ε``,
        ``w = f² / (f² + ρ²)``, ``ε`` the block's column after the states) and keeps it: a year with a
        figure is the figure within its rounding; later years carry the deviation of the series' last
        figure, earlier ones that of its first (the administration counts on one basis).  An in+out
        figure moves the direction(s) without a figure of their own that year; a revenue figure moves
        revenue per parcel.  Without figures the deviations are zero (the model's quantity).
        """
        pins = self._pins()
        years = [int(y) for y in years]
        x_years = years + sorted({y for _, y, _ in pins} - set(years))
        width = block_size(self.hier, years)
        x = self._states(x_years, z[:, :width])
        lc = log_level(x, self.region, "express_volume", self.const)
        ld = log_level(x, self.region, "express_volume_inbound", self.const)
        lr = x[..., IX["r"]] + x[..., IX["p"]]
        dev: dict[str, dict[int, np.ndarray]] = {"c": {}, "d": {}, "r": {}}
        zero = np.zeros(z.shape[0])
        for i, (ind, y, pub) in enumerate(pins):
            j = x_years.index(y)
            c, d = lc[:, j] + dev["c"].get(y, zero), ld[:, j] + dev["d"].get(y, zero)
            model = {"express_volume": c, "express_volume_inbound": d, "express_volume_inout": np.logaddexp(c, d),
                     "express_revenue": c + lr[:, j] + dev["r"].get(y, zero)}[ind]
            w = pub.var_dev / (pub.var_dev + pub.var_round)
            delta = w * (pub.log_value - model) + np.sqrt(w * pub.var_round) * z[:, width + i]
            if ind == "express_volume_inout":
                level = {"c": np.exp(c), "d": np.exp(d)}
                free = [k for k in ("c", "d") if y not in dev[k]] or ["c", "d"]
                held = sum((level[k] for k in ("c", "d") if k not in free), zero)
                now = sum((level[k] for k in free), zero)
                rest = np.exp(model + delta) - held  # the figure's in+out less the direction held
                ok = rest > 0.05 * now
                step = np.where(ok, np.log(np.where(ok, rest, 1.0) / now), delta)
                for k in free:
                    dev[k][y] = dev[k].get(y, zero) + step
            else:
                key = {"express_volume": "c", "express_volume_inbound": "d", "express_revenue": "r"}[ind]
                dev[key][y] = dev[key].get(y, zero) + delta
        out = []
        for k, base in (("c", lc), ("d", ld), ("r", lr)):
            counted = sorted(dev[k])
            cols = []
            for j, y in enumerate(years):
                if not counted:
                    cols.append(base[:, j])
                    continue
                before = [h for h in counted if h <= y]
                cols.append(base[:, j] + dev[k][before[-1] if before else counted[0]])
            out.append(np.stack(cols, axis=1))
        return out[0], out[1], out[2]

    # ---- the engine's seam ------------------------------------------------------------------
    def baseline_groups(self, years: Sequence[int]) -> tuple[str, ...]:
        """Factor name of each column of the normal block for ``years`` (its width is the length):
        the state-space paths', then one column per local full-year figure (its rounding)."""
        factor = {ind: next(f for f, series in self.factor_series.items() if (self.region, ind) in series)
                  for ind in UNITS}
        return block_groups(self.hier, years) + tuple(factor[ind] for ind, _, _ in self._pins())

    def _states(self, years: Sequence[int], z: np.ndarray) -> np.ndarray:
        if min(int(y) for y in years) < self.hier.first_year:
            raise FitError(f"{min(years)} is before the first year of data ({self.hier.first_year})")
        if max(int(y) for y in years) - self.last_year > MAX_HORIZON:
            raise FitError(f"{max(years)} is beyond the {MAX_HORIZON}-year horizon after the data ({self.last_year})")
        return simulate_states(self.hier, years, z)

    def local_paths(self, years: Sequence[int], z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The region's collected and delivered parcels [件/year], each (n, len(years)).

        Up to :attr:`local_anchor_year` the history as counted (with the infrastructure open
        then); after it, that history carried forward with no further opening (the baseline
        without the plan).  ``z`` is the (n, ``len(baseline_groups(years))``) block of standard normals.
        """
        lc, ld, _ = self._counted(years, z)
        return np.exp(lc), np.exp(ld)

    def local_revenue_per_parcel(self, years: Sequence[int], z: np.ndarray) -> np.ndarray:
        """The region's revenue per collected parcel [元/件], (n, len(years)): national state × local factor,
        on the basis of the region's revenue figures when it has any (:meth:`_counted`)."""
        return np.asarray(np.exp(self._counted(years, z)[2]))

    def baseline_summaries(self, years: Sequence[int], z: np.ndarray) -> dict[str, np.ndarray]:
        """Per-replication scalars of the path in ``years[1]`` (the first simulated year), each (n,).

        ``national_volume_u``: national volume growth [fraction]; ``province_share_u``: the province's
        share of the national volume; ``local_collected_intensity`` and ``local_delivered_relative``:
        the ratios; ``revenue_per_parcel``: the region's [元/件].
        """
        y = list(years)[1 if len(years) > 1 else 0]
        x = self._states([y], z)[:, 0]
        return {"national_volume_u": np.expm1(x[:, IX["g"]]), "province_share_u": np.exp(x[:, IX["s"]]),
                "local_collected_intensity": np.exp(x[:, IX["c"]]), "local_delivered_relative": np.exp(x[:, IX["v"]]),
                "revenue_per_parcel": np.exp(x[:, IX["r"]] + x[:, IX["p"]])}

    @property
    def factor_series(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """The observed series behind each baseline factor: (geography, indicator) pairs."""
        lv = self.levels
        return {
            "national_volume_u": ((lv.nation, "express_volume"),),
            "province_share_u": ((lv.province, "express_volume"),),
            "local_collected_intensity": ((lv.prefecture, "express_volume"), (lv.prefecture, "express_volume_inout")),
            "local_delivered_relative": ((lv.prefecture, "express_volume_inbound"),
                                         (lv.prefecture, "express_volume_inout")),
            "revenue_per_parcel": ((lv.prefecture, "express_revenue"),),
        }

    def observations_behind(self, factor: str) -> int:
        """How many published windows in the likelihood bear directly on a baseline factor (0 = prior only).

        The national path and the province's share count their own series; the local ratios and the
        local revenue per parcel count only the prefecture's own releases (the national and provincial
        series set their scale, not their level).
        """
        series = set(self.factor_series.get(factor, ()))
        return sum(1 for key in self.published if (key[0], key[1]) in series)

    # ---- forecasts ------------------------------------------------------------------------------
    def _check(self, geography: str, indicator: str) -> None:
        if self.levels.level(geography) is None:
            raise FitError(f"geography '{geography}' is not calibrated (have {', '.join(self.levels.geographies)})")
        usable = supported(self.levels)
        if (geography, indicator) not in usable or indicator in RATIOS:  # ratios are the layers' inner readings
            have = sorted(i for g, i in usable if g == geography and i not in RATIOS)
            raise FitError(f"{geography}: indicator '{indicator}' is not calibrated (have {', '.join(have)})")

    def annual_draws(self, geography: str, indicator: str, years: Sequence[int], n: int,
                     rng: np.random.Generator) -> np.ndarray:
        """Joint draws of the model's annual levels on coherent paths, shape (n, len(years)) [canonical unit]."""
        self._check(geography, indicator)
        z = rng.standard_normal((n, block_size(self.hier, years)))
        return np.exp(log_level(self._states(years, z), geography, indicator, self.const))

    def window_draws(self, geography: str, indicator: str, period: Period, n: int,
                     rng: np.random.Generator) -> np.ndarray:
        """Draws of the published total over a window (year, quarter, half, month, Jan–N) [canonical unit].

        The model's annual level times the window's seasonal share, times the window's own
        deviation (share residual and definition mismatch): drawn fresh for an unpublished
        window, and conditioned on the published value for a published one (a normal update
        of the deviation given the release; what is left is the release's rounding).
        """
        self._check(geography, indicator)
        if not period.is_flow_window or period.first // 12 != period.last // 12:
            raise FitError(f"period {period}: expected a window inside one calendar year")
        y = period.year
        for plan in self.nowcasts:  # a national window of the year being released: the monthly layer
            if (geography, indicator, y) == (self.levels.nation, plan.indicator, plan.year):
                return plan.window(period, n, rng)
        pub = self.published.get((geography, indicator, period.window))
        pins = self._pins() if geography == self.region and pub is None else ()
        z = rng.standard_normal((n, block_size(self.hier, [y]) + len(pins)))
        x = self._states([y], z)[:, 0]
        lvl = log_level(x, geography, indicator, self.const)
        floor_var = 0.0
        if pins:  # on the basis of the region's own figures: their deviation carried, not drawn afresh
            lc, ld, lr = (v[:, 0] for v in self._counted([y], z))
            lvl = {"express_volume": lc, "express_volume_inbound": ld, "express_volume_inout": np.logaddexp(lc, ld),
                   "express_revenue": lc + lr}[indicator]
            floor_var = self.floors[self.levels.level_of(geography)] ** 2
        share = 1.0 if period.kind == "year" else self.profile.window_share(period, np.expm1(
            log_growth(x, geography, indicator, self.const)))
        model = lvl + np.log(share)
        e = rng.standard_normal(n)
        if pub is None:
            s0 = 1.0 if period.kind == "year" else float(np.median(share))
            sd = float(np.sqrt(max(window_var(s0, self.levels.level_of(geography), self.profile.month_sd, self.floors)
                                   - floor_var, 0.0)))
            return np.asarray(np.exp(model + sd * e))
        w = pub.var_dev / (pub.var_dev + pub.var_round)
        return np.asarray(np.exp(model + w * (pub.log_value - model) + np.sqrt(w * pub.var_round) * e))

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable artefact (``calibrate`` writes it as ``fitted.json``)."""
        h = self.hier
        t = h.last_year - h.first_year
        m = h.state_mean[0, t]
        return {
            "data_hash": self.data_hash, "until": self.until, "last_year": self.last_year,
            "model": "hierarchy state space in logs (docs/calibration.md)",
            "estimate": h.to_dict(), "seasonal_profile": self.profile.to_dict(),
            "measurement_floors": self.floors,
            "state_at_last_year": {k: float(m[i]) for k, i in IX.items()},
            "levels": self.levels.to_dict(),
            "populations": self.populations, "notes": list(self.notes), "what_moved": list(self.moved),
        }


def _growth(obs: ObservationSet, nation: str) -> dict[int, float]:
    try:
        s = annual_series(obs, nation, "express_volume")
    except FitError:
        return {}
    return {int(y): float(v / p - 1) for y, v, p in zip(s.years[1:], s.values[1:], s.values[:-1], strict=True)}


#: the nation's residents when the data hold no ``population_yearend`` row of it [人] (drivers.csv, 2024)
NATION_POPULATION_FALLBACK = 1.40828e9


def populations(obs: ObservationSet, levels: Levels) -> tuple[dict[str, float], list[str]]:
    """Residents of the three levels [人] for the per-head ratios, and a note per figure not in the data.

    The nation's latest year-end population in ``obs`` (else :data:`NATION_POPULATION_FALLBACK`), the
    province's census in ``obs`` (else ``levels.province_population``), the prefecture's from ``levels``.

    Raises
    ------
    FitError
        Neither the data nor ``levels`` give the province's population.
    """
    notes: list[str] = []
    nation = _population(obs, levels.nation, "population_yearend")
    if nation is None:
        nation = NATION_POPULATION_FALLBACK
        notes.append(f"{levels.nation} population not in the data: used 140,828万 (2024, drivers.csv)")
    province = _population(obs, levels.province, "resident_population_census") or levels.province_population
    if province is None:
        raise FitError(f"{levels.province}: no resident_population_census row in the data and no province "
                       f"population in the region pack; expected one of them (the local per-head ratios need it)")
    return {levels.nation: nation, levels.province: float(province), levels.prefecture: float(levels.population)}, notes


def provincial_shares_of(obs: ObservationSet,
                         levels: Levels) -> tuple[ObservationSet, list[Observation], list[str]]:
    """:func:`calibration.shares.provincial_shares` of ``obs`` for the province of ``levels``: the set the
    hierarchy reads, the provincial windows replaced by shares and a note.

    :mod:`calibration.shares` reads the levels by their role keys (:data:`calibration.slots.LEVEL`), so the
    nation's and the province's rows go to it under those keys and come back under their own geographies.
    """
    from dataclasses import replace

    to_role = {levels.nation: "nation", levels.province: "province"}
    back = {v: k for k, v in to_role.items()}
    clash = sorted({o.geography for o in obs.observations} & set(back))
    if clash:
        raise FitError(f"geography '{clash[0]}' in the data: a role name of the hierarchy; expected another name")

    def relabel(o: Observation, names: dict[str, str]) -> Observation:
        return replace(o, geography=names[o.geography]) if o.geography in names else o

    roled = replace(obs, observations=tuple(relabel(o, to_role) for o in obs.observations))
    out, replaced, notes = provincial_shares(roled)
    return (replace(out, observations=tuple(relabel(o, back) for o in out.observations)),
            [relabel(o, back) for o in replaced], notes)


def fit_all(obs: ObservationSet, register: dict[str, dict[str, object]] | None = None, *, levels: Levels) -> Fitted:
    """Calibrate everything from an observation set (the ``calibrate`` command's work).

    ``levels`` names the nation, the province and the prefecture of the hierarchy (a region pack's:
    ``model.spec.regions``); ``register`` is the assumption register with the region's own entries
    (default: the shipped register as it is).
    """
    register = register if register is not None else reg.load_register()
    growth = _growth(obs, levels.nation)
    published = {o.period.year: o.value for o in obs.select(levels.nation, "express_volume", derived=False)
                 if o.period.kind == "year"}
    profile = profile_from_observations(obs, published, growth, geography=levels.nation)
    pops, notes = populations(obs, levels)
    per_collected = reg.median(register["national_delivered_per_collected"])
    local = pops[levels.prefecture]
    const = Constants(float(np.log(local / pops[levels.province])),
                      float(np.log(per_collected * local / pops[levels.nation])), levels)
    plans: tuple[NowcastPlan, ...] = ()
    released = obs  # what was published, before the layers rewrite what the hierarchy reads
    layer = fit_layer(obs, levels.nation)
    if layer is not None:
        plans = tuple(p for p in (layer.plan(ind) for ind in ("express_volume", "express_revenue")) if p is not None)
        extra, nc_notes = nowcast_observations(
            obs, levels.nation, plans, layer, reg.median(register["national_exit_growth_mismatch"]))
        obs = with_nowcasts(obs, extra, levels.nation)
        notes += nc_notes
    obs, _, share_notes = provincial_shares_of(obs, levels)
    notes += share_notes
    try:
        hier, data, rebuild = fit_hierarchy(obs, profile, growth, register, const)
    except ValueError as exc:
        raise FitError(str(exc)) from None
    notes += list(data.notes)
    floors = floors_from(register)
    pub = published_windows(released, profile, growth, floors, levels)
    moved = tuple(what_moved(rebuild, hier, data, const))
    return Fitted(obs.data_hash, obs.until, profile, hier, const, floors, pub, register, pops, tuple(notes), moved,
                  plans)


def published_windows(obs: ObservationSet, profile: SeasonalProfile, growth: dict[int, float],
                      floors: dict[str, float],
                      levels: Levels) -> dict[tuple[str, str, tuple[int, int, int, bool, str]], Published]:
    """Every released window of a calibrated series as a forecast conditions on it: its log value,
    rounding variance and the variance of its deviation from the model (:func:`slots.window_var`)."""
    last_g = growth.get(max(growth), 0.2) if growth else 0.2
    out: dict[tuple[str, str, tuple[int, int, int, bool, str]], Published] = {}
    usable = supported(levels)
    for o in obs.observations:
        if (o.derived or (o.geography, o.indicator) not in usable or not o.period.is_flow_window
                or o.period.first // 12 != o.period.last // 12 or o.value <= 0):
            continue
        sh = 1.0 if o.period.kind == "year" else float(profile.window_share(o.period, growth.get(o.period.year, last_g)))
        out[(o.geography, o.indicator, o.period.window)] = Published(
            float(np.log(o.value)), o.rel_precision**2, window_var(sh, levels.level_of(o.geography), profile.month_sd, floors))
    return out


def with_nowcasts(obs: ObservationSet, nowcasts: Sequence[Observation], nation: str) -> ObservationSet:
    """The observation set the hierarchy reads: national sub-year windows are the monthly layer's.

    Of the national volume and revenue the hierarchy reads full years only (published, implied a
    year earlier by a growth rate, or the monthly layer's nowcast of the year being released):
    the layer reads the months, Jan–N totals and quarters with a seasonal pattern that moves
    from year to year, where the hierarchy's fixed profile would read them again, and less well.
    """
    from dataclasses import replace

    series = {"express_volume", "express_revenue"}
    kept = tuple(o for o in obs.observations
                 if not (o.geography == nation and o.indicator in series and o.period.kind != "year"))
    return replace(obs, observations=kept + tuple(nowcasts))
