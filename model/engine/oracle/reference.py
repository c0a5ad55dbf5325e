"""The reference engine: the model of :mod:`model.engine` one replication at a time.

Every replication is simulated on its own with plain Python loops and scalar
arithmetic, following the equations stated in the docstrings of
:mod:`model.engine.demand` and :mod:`model.engine.spillovers` (not their vectorised code):

* rollout: the authoritative SimPy model (:func:`model.engine.rollout.simulate_rollout_simpy`)
  run for this replication's uniforms;
* baseline: the calibrated annual paths ``A_{y,d}`` [件/year] of
  :meth:`calibration.fit.Fitted.local_paths`, spread over months with
  ``s_m = w_m (1+g)^((m-6.5)/12) / Σ_k w_k (1+g)^((k-6.5)/12)``,
  ``g = A_y / A_{y-1} - 1``;
* with a published local figure, the path divided by this replication's own city multiplier
  ``M̄`` of each year up to the last observed one and of that year after it (the figures count
  the infrastructure open when they were counted; :func:`anchor_scale_rep`);
* county shares ``S_{cd} ∝ pop_c × intensity_{cd} × exp(σ z_{cd})``;
* policy multipliers ``M_{ctd}``: ``1 + uplift_d × ramp`` after a county centre
  opens, times ``1 + hub uplift × ramp`` on collections city-wide, times
  ``1 + station uplift × (coverage gained / coverage missing at the start)`` on
  deliveries; ``ramp = clip((t + 0.5 - opening) / ramp_months, 0, 1)``;
* demand ``D_{ctd} = B_{td} S_{cd} M_{ctd}`` [件/month];
* capacity ``K_{ct} = headroom × mean_{months of the year}(Σ_d B_{td} S_{cd} G_{td})`` with
  ``G`` the city-wide (hub, station) multipliers
  (× the centre factor once the county's centre is open); arrivals plus the
  backlog above it wait for later months, both directions served pro rata;
* spillovers as in :mod:`model.engine.spillovers`, one replication at a time
  (:mod:`model.engine.oracle.spillovers`).

:func:`simulate_reference` returns the same dictionary as
:func:`model.engine.simulate.simulate_chunk` and must agree with it on the same draws to
rounding (tests use ``rtol=1e-9``).  It is the oracle of the tests and the
baseline of ``benchmarks/engine.py``; it is not meant to be fast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from expressim.calibration.seam import Calibration
from expressim.model.engine.oracle.spillovers import metrics_rep
from expressim.model.engine.parameters import Draws
from expressim.model.engine.rollout import simulate_rollout_simpy
from expressim.model.engine.simulate import ChunkOutput, Compiled, anchor_index

#: floor of the station programme's duration and of the coverage missing at the start
_TINY = 1e-9


@dataclass(frozen=True)
class Replication:
    """One replication's results (plain nested lists, indices as in the engine's arrays).

    Attributes
    ----------
    metrics : dict
        Metric name -> value in each simulated year, ``[Y]``.
    monthly : list
        City parcels handled ``[T][2]`` [件/month], (out, in).
    baseline_monthly : list
        City baseline ``[T][2]`` [件/month].
    county_annual : list
        Parcels handled ``[C][Y][2]`` [件/year].
    demand : list
        Parcels arriving ``[C][T][2]`` [件/month] (before the capacity limit).
    backlog_end : list
        Parcels still waiting after the last month ``[C][2]`` [件].
    opening : list
        Opening month of each project ``[P]`` [months since the start].
    phase_start, phase_end : list
        ``[P][K]`` [months since the start], NaN where a project has no such phase.
    """

    metrics: dict[str, list[float]]
    monthly: list[list[float]]
    baseline_monthly: list[list[float]]
    county_annual: list[list[list[float]]]
    demand: list[list[list[float]]]
    backlog_end: list[list[float]]
    opening: list[float]
    phase_start: list[list[float]]
    phase_end: list[list[float]]


# ---- rollout and baseline ------------------------------------------------------------------------


def rollout_rep(comp: Compiled, u: np.ndarray,
                override: np.ndarray | None = None) -> tuple[list[float], list[list[float]], list[list[float]]]:
    """Opening, phase starts and phase ends of one replication from the SimPy model.

    Parameters
    ----------
    comp : Compiled
        The compiled scenario (projects in priority order, resources).
    u : ndarray
        This replication's phase uniforms, shape (P, K).
    override : ndarray, optional
        Durations imposed by progress facts, shape (P, K), NaN where none.

    Returns
    -------
    opening : list of float
        ``[P]`` [months since the start].
    phase_start, phase_end : list of list of float
        ``[P][K]`` [months since the start].
    """
    if not comp.projects:
        return [], [], []
    over = None if override is None else override[None, :, :]
    res = simulate_rollout_simpy(comp.projects, comp.resources, u[None, :, :], over)
    return (
        [float(x) for x in res.opening[0]],
        [[float(x) for x in row] for row in res.phase_start[0]],
        [[float(x) for x in row] for row in res.phase_end[0]],
    )


def baseline_annual_rep(fitted: Calibration, years: Sequence[int], z: np.ndarray, r: int) -> list[list[float]]:
    """City baseline of replication ``r`` [件/year], ``[Y + 1][2]`` (the year before the start first).

    Uses :meth:`calibration.fit.Fitted.local_paths` on this replication's row of the
    baseline block of standard normals ``z``.
    """
    ext = [years[0] - 1, *years]
    col, dlv = fitted.local_paths(ext, z[r : r + 1])
    return [[float(col[0, j]), float(dlv[0, j])] for j in range(len(ext))]


def monthly_baseline_rep(annual: Sequence[Sequence[float]], weights: Sequence[float]) -> list[list[float]]:
    """Monthly baseline ``[12 Y][2]`` [件/month] from annual totals ``[Y + 1][2]`` [件/year].

    Month ``m`` (1..12) of year ``y`` gets ``A_y w_m (1+g)^((m-6.5)/12) / Σ_k w_k (1+g)^((k-6.5)/12)``
    with ``g = A_y / A_{y-1} - 1`` (:mod:`calibration.seasonality`).
    """
    out: list[list[float]] = []
    for j in range(1, len(annual)):
        shares: list[list[float]] = [[], []]
        for d in range(2):
            g = annual[j][d] / annual[j - 1][d] - 1.0
            raw = [weights[m] * (1.0 + g) ** ((m + 1 - 6.5) / 12.0) for m in range(12)]
            total = math.fsum(raw)
            shares[d] = [annual[j][d] * (x / total) for x in raw]
        out.extend([shares[0][m], shares[1][m]] for m in range(12))
    return out


def county_shares_rep(
    pop_shares: Sequence[float],
    urban_index: int | None,
    urban_out: float,
    urban_in: float,
    noise_sd: float,
    z: Sequence[Sequence[float]],
) -> list[list[float]]:
    """County shares ``[C][2]`` [fraction], each direction summing to 1 over counties.

    ``S_cd ∝ pop_c × intensity_cd × exp(noise_sd × z_cd)``; intensity is 1 except
    the urban county's (``urban_out`` collections, ``urban_in`` deliveries).
    """
    c_n = len(pop_shares)
    w = [[0.0, 0.0] for _ in range(c_n)]
    for c in range(c_n):
        for d in range(2):
            inten = (urban_out, urban_in)[d] if c == urban_index else 1.0
            w[c][d] = pop_shares[c] * inten * math.exp(noise_sd * z[c][d])
    totals = [math.fsum(w[c][d] for c in range(c_n)) for d in range(2)]
    return [[w[c][d] / totals[d] for d in range(2)] for c in range(c_n)]


def ramp_value(t_mid: float, opening: float, months: float) -> float:
    """Share of full effect [0..1] at month midpoint ``t_mid``: ``clip((t_mid - opening) / months, 0, 1)``."""
    return min(max((t_mid - opening) / months, 0.0), 1.0)


def coverage_rep(
    kinds: Sequence[str],
    opening: Sequence[float],
    phase_start: Sequence[Sequence[float]],
    start_cov: float,
    n_months: int,
) -> list[float]:
    """Village coverage [fraction] at the end of each month ``[T]``.

    Linear from ``start_cov`` at the start of the (first) station programme's first
    phase to 1 at its opening; constant without a programme.
    """
    prog = [i for i, k in enumerate(kinds) if k == "stations"]
    if not prog:
        return [start_cov] * n_months
    s, e = phase_start[prog[0]][0], opening[prog[0]]
    span = max(e - s, _TINY)
    return [start_cov + (1.0 - start_cov) * min(max((t + 1.0 - s) / span, 0.0), 1.0) for t in range(n_months)]


def multipliers_rep(
    comp: Compiled, opening: Sequence[float], coverage: Sequence[float], p: Mapping[str, float]
) -> tuple[list[list[list[float]]], list[list[bool]], list[list[float]]]:
    """Policy multipliers ``[C][T][2]`` [-], the centre-open indicator ``[C][T]`` and the
    city-wide (hub, station) multipliers ``[T][2]``.

    A county's centre counts from its first centre's opening.  Collections get
    ``1 + centre_collected_uplift × ramp`` and deliveries ``1 + centre_delivered_uplift × ramp``;
    every hub multiplies collections in every county by ``1 + hub_collected_uplift × ramp_hub``;
    deliveries are multiplied by ``1 + station_delivered_uplift × gain``,
    ``gain = (coverage - start) / (1 - start)``.
    """
    c_n, t_n = len(comp.pop_shares), comp.n_months
    first = [math.inf] * c_n
    for j, kind in enumerate(comp.kinds):
        c = int(comp.project_county[j])
        if kind == "county_centre" and c >= 0:
            first[c] = min(first[c], opening[j])
    hubs = [opening[j] for j, kind in enumerate(comp.kinds) if kind == "hub"]
    c0 = p["village_coverage_start"]
    mult = [[[1.0, 1.0] for _ in range(t_n)] for _ in range(c_n)]
    is_open = [[False] * t_n for _ in range(c_n)]
    city: list[tuple[float, float]] = []
    for t in range(t_n):
        t_mid = t + 0.5
        hub = 1.0
        for h in hubs:
            hub *= 1.0 + p["hub_collected_uplift"] * ramp_value(t_mid, h, p["hub_ramp_months"])
        station = 1.0 + p["station_delivered_uplift"] * ((coverage[t] - c0) / max(1.0 - c0, _TINY))
        city.append((hub, station))
        for c in range(c_n):
            m_out = m_in = 1.0
            if first[c] < math.inf:
                r = ramp_value(t_mid, first[c], p["centre_ramp_months"])
                m_out += p["centre_collected_uplift"] * r
                m_in += p["centre_delivered_uplift"] * r
                is_open[c][t] = t_mid >= first[c]
            mult[c][t] = [m_out * hub, m_in * station]
    return mult, is_open, [[hub, station] for hub, station in city]


def anchor_scale_rep(
    base: Sequence[Sequence[float]], shares: Sequence[Sequence[float]],
    mult: Sequence[Sequence[Sequence[float]]], anchor: int | None,
) -> list[list[float]]:
    """Per-month factor ``[T][2]`` [-] that turns the calibrated path into the no-plan path.

    ``1 / M̄_{yd}`` in every year ``y`` up to the anchor year ``a`` and ``1 / M̄_{ad}`` after it,
    ``M̄_{yd} = Σ_{m∈y} B_{md} Σ_c S_{cd} M_{cmd} / Σ_{m∈y} B_{md}``; 1 without an anchor.
    """
    t_n = len(base)
    if anchor is None or anchor < 0:
        return [[1.0, 1.0] for _ in range(t_n)]
    y_n = t_n // 12
    mbar: list[list[float]] = []
    for j in range(y_n):
        row = []
        for d in range(2):
            months = range(12 * j, 12 * j + 12)
            num = math.fsum(base[t][d] * math.fsum(shares[c][d] * mult[c][t][d] for c in range(len(shares)))
                            for t in months)
            row.append(num / math.fsum(base[t][d] for t in months))
        mbar.append(row)
    a = min(anchor, y_n - 1)
    return [[1.0 / mbar[min(t // 12, a)][d] for d in range(2)] for t in range(t_n)]


def handle_rep(
    demand: Sequence[Sequence[Sequence[float]]], capacity: Sequence[Sequence[float]]
) -> tuple[list[list[list[float]]], list[list[float]]]:
    """Parcels handled ``[C][T][2]`` [件/month] and the final backlog ``[C][2]`` [件].

    Each month a county handles what arrived plus its backlog, up to its capacity
    (both directions together); above it, both directions are served pro rata and
    the rest waits.
    """
    handled: list[list[list[float]]] = []
    backlog: list[list[float]] = []
    for c, dem_c in enumerate(demand):
        q_out = q_in = 0.0
        rows: list[list[float]] = []
        for t, (d_out, d_in) in enumerate(dem_c):
            a_out, a_in = d_out + q_out, d_in + q_in
            total, cap = a_out + a_in, capacity[c][t]
            frac = cap / max(total, 1e-300) if total > cap else 1.0
            h_out, h_in = a_out * frac, a_in * frac
            q_out, q_in = a_out - h_out, a_in - h_in
            rows.append([h_out, h_in])
        handled.append(rows)
        backlog.append([q_out, q_in])
    return handled, backlog


# ---- one replication, then many --------------------------------------------------------------------


def simulate_replication(comp: Compiled, fitted: Calibration, draws: Draws, r: int) -> Replication:
    """Simulate replication ``r`` of ``draws`` from rollout to annual metrics.

    Parameters
    ----------
    comp : Compiled
        Compiled scenario.
    fitted : Calibration
        Calibration (baseline paths and the seasonal profile).
    draws : Draws
        Random inputs of all replications; only row ``r`` is used.
    r : int
        Replication index.
    """
    p = {k: float(v[r]) for k, v in draws.params.items()}
    t_n, y_n = comp.n_months, len(comp.years)
    c_n = len(comp.pop_shares)
    over = None if draws.rollout_override is None else draws.rollout_override[r]
    opening, ph_start, ph_end = rollout_rep(comp, draws.u_rollout[r], over)

    annual = baseline_annual_rep(fitted, comp.years, draws.u_events["baseline"], r)
    base = monthly_baseline_rep(annual, [float(w) for w in fitted.profile.weights])[:t_n]
    z = [[float(draws.z_county[r, c, d]) for d in range(2)] for c in range(c_n)]
    shares = county_shares_rep(
        [float(s) for s in comp.pop_shares],
        comp.urban_index,
        p["urban_collected_intensity"],
        p["urban_delivered_intensity"],
        p["county_share_noise"],
        z,
    )
    coverage = coverage_rep(comp.kinds, opening, ph_start, p["village_coverage_start"], t_n)
    mult, is_open, city = multipliers_rep(comp, opening, coverage, p)
    scale = anchor_scale_rep(base, shares, mult, anchor_index(fitted, comp))
    base = [[base[t][d] * scale[t][d] for d in range(2)] for t in range(t_n)]

    demand = [
        [[base[t][d] * shares[c][d] * mult[c][t][d] for d in range(2)] for t in range(t_n)]
        for c in range(c_n)
    ]
    capacity = []
    for c in range(c_n):
        base_c = [base[t][0] * shares[c][0] * city[t][0] + base[t][1] * shares[c][1] * city[t][1]
                  for t in range(t_n)]
        avg = [math.fsum(base_c[12 * j : 12 * j + 12]) / 12.0 for j in range(y_n)]
        capacity.append(
            [
                p["capacity_headroom"]
                * avg[t // 12]
                * (p["centre_capacity_factor"] if is_open[c][t] else 1.0)
                for t in range(t_n)
            ]
        )
    handled, backlog = handle_rep(demand, capacity)

    monthly = [[math.fsum(handled[c][t][d] for c in range(c_n)) for d in range(2)] for t in range(t_n)]
    county_annual = [
        [
            [math.fsum(handled[c][t][d] for t in range(12 * j, 12 * j + 12)) for d in range(2)]
            for j in range(y_n)
        ]
        for c in range(c_n)
    ]
    liquor = ([mult[comp.specialty_liquor_index][t][0] for t in range(t_n)] if comp.specialty_liquor_index is not None else None)
    rpp = fitted.local_revenue_per_parcel(list(comp.years), draws.u_events["baseline"][r : r + 1])[0]
    metrics = metrics_rep(comp, draws, r, p, county_annual, coverage, liquor, [float(x) for x in rpp])
    return Replication(metrics, monthly, base, county_annual, demand, backlog, opening, ph_start, ph_end)


def simulate_reference(comp: Compiled, fitted: Calibration, draws: Draws) -> ChunkOutput:
    """Simulate every replication of ``draws`` one at a time (same output as ``engine.simulate_chunk``).

    Returns
    -------
    dict
        ``metrics`` {name: (n, Y)}, ``monthly`` (n, T, 2) and ``baseline_monthly``
        (n, T, 2) [件/month], ``county_annual`` (n, C, Y, 2) [件/year], ``opening``
        (n, P), ``phase_start`` / ``phase_end`` (n, P, K) [months since the start].
    """
    n, t_n, y_n, c_n = draws.n, comp.n_months, len(comp.years), len(comp.pop_shares)
    p_n = len(comp.projects)
    k_n = max((len(pr.phases) for pr in comp.projects), default=1)
    metrics: dict[str, np.ndarray] = {}
    monthly = np.empty((n, t_n, 2))
    baseline = np.empty((n, t_n, 2))
    county = np.empty((n, c_n, y_n, 2))
    opening = np.zeros((n, p_n))
    ph_start = np.full((n, p_n, k_n), np.nan) if p_n else np.zeros((n, 0, 1))
    ph_end = np.full((n, p_n, k_n), np.nan) if p_n else np.zeros((n, 0, 1))
    for r in range(n):
        rep = simulate_replication(comp, fitted, draws, r)
        for name, values in rep.metrics.items():
            metrics.setdefault(name, np.empty((n, y_n)))[r] = values
        monthly[r] = rep.monthly
        baseline[r] = rep.baseline_monthly
        county[r] = rep.county_annual
        if p_n:
            opening[r] = rep.opening
            ph_start[r] = rep.phase_start
            ph_end[r] = rep.phase_end
    return {
        "metrics": metrics,
        "monthly": monthly,
        "baseline_monthly": baseline,
        "county_annual": county,
        "opening": opening,
        "phase_start": ph_start,
        "phase_end": ph_end,
    }
