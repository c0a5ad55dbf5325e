"""Monthly parcels by county and direction, vectorised over replications.

For replication ``r``, county ``c``, month ``t`` and direction ``d`` (0 = out,
collected; 1 = in, delivered):

.. math::
    D_{rctd} = B_{rtd}\\, S_{rcd}\\, M_{rctd}, \\qquad
    H_{rctd} = \\text{handled after the capacity limit with backlog}

* :math:`B` — the city's baseline (no new policy) monthly path: the calibrated
  annual draw times the seasonal share of the month (with the draw's own growth
  tilt), divided, when the region has published figures, by the replication's own
  multiplier in the years they cover (:func:`anchor_scale`): the figures already
  count the infrastructure open then, so only later openings add parcels;
* :math:`S` — county shares: population × intensity (the urban county's multiplier)
  × a lognormal county factor, renormalised so counties always sum to the city;
* :math:`M` — policy effects: a linear ramp to full effect after each county
  centre opens (collections and deliveries), the hub's city-wide collection
  uplift, and the village-station programme's delivery uplift pro rata of the
  coverage gained;
* capacity per county and month = headroom × the county's average month of that
  year of *organic* demand (the baseline times the city-wide hub and station
  effects: depots grow with the business around them), × the centre factor once
  the county's centre is open; demand above it waits in a backlog and is handled
  in later months (a backlog left at the horizon is not counted in any year).

A county's centre effects count from the opening of its *first* centre (a second
centre in the same county adds no further uplift).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expressim.model.engine.rollout import RolloutResult


@dataclass(frozen=True)
class DemandInputs:
    """What the demand model needs for ``n`` replications.

    Attributes
    ----------
    baseline_annual : ndarray
        City baseline [件/year], shape (n, Y + 1, 2): the year before the first
        simulated year, then each simulated year; direction (out, in).
    month_weights : ndarray
        Seasonal weights w_m, shape (12,), summing to 1.
    pop_shares : ndarray
        County population shares, shape (C,).
    urban_index : int or None
        Index of the urban county (the pack's ``urban_county``) whose intensities differ.
    project_county : ndarray
        County index of each project, or -1 for city-wide ones, shape (P,).
    kind : tuple of str
        Each project's kind.
    anchor_index : int or None
        Index among the simulated years (0 = the first) of the last year with a published local
        figure (:attr:`calibration.seam.Calibration.local_anchor_year`); None or negative when there
        is none or it precedes the start.  Up to that year ``baseline_annual`` is the history as
        counted, openings included; see :func:`anchor_scale`.
    """

    baseline_annual: np.ndarray
    month_weights: np.ndarray
    pop_shares: np.ndarray
    urban_index: int | None
    project_county: np.ndarray
    kind: tuple[str, ...]
    anchor_index: int | None = None


def monthly_baseline(annual: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Monthly path from annual totals, shape (n, 12 * Y, 2) [件/month].

    Each year's total is spread with shares ``w_m (1+g)^((m-6.5)/12)`` normalised,
    ``g`` the draw's growth over the previous year (see calibration.seasonality).
    """
    growth = annual[:, 1:, :] / annual[:, :-1, :] - 1.0  # (n, Y, 2)
    expo = (np.arange(1, 13) - 6.5) / 12.0
    s = weights[None, None, None, :] * (1.0 + growth[..., None]) ** expo  # (n, Y, 2, 12)
    s = s / s.sum(axis=-1, keepdims=True)
    monthly = annual[:, 1:, :, None] * s  # (n, Y, 2, 12)
    n, y = monthly.shape[:2]
    return monthly.transpose(0, 1, 3, 2).reshape(n, y * 12, 2)


def county_shares(pop_shares: np.ndarray, urban_index: int | None, urban_out: np.ndarray, urban_in: np.ndarray,
                  noise_sd: np.ndarray, z: np.ndarray) -> np.ndarray:
    """County shares of the city's parcels, shape (n, C, 2), summing to 1 over counties.

    ``share ∝ population × intensity × exp(noise_sd × z)``; intensity is 1 except
    the urban county's (``urban_out`` for collections, ``urban_in`` for deliveries).
    """
    n, c = z.shape[0], pop_shares.size
    inten = np.ones((n, c, 2))
    if urban_index is not None:  # a pack without an urban county: the same intensities everywhere
        inten[:, urban_index, 0] = urban_out
        inten[:, urban_index, 1] = urban_in
    w = pop_shares[None, :, None] * inten * np.exp(noise_sd[:, None, None] * z)
    return w / w.sum(axis=1, keepdims=True)


def ramp(t_mid: np.ndarray, opening: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Linear ramp from 0 at opening to 1 after ``months``: ``clip((t - open) / months, 0, 1)``.

    Shapes: ``t_mid`` (T,), ``opening`` (n,), ``months`` (n,) -> (n, T).
    """
    return np.clip((t_mid[None, :] - opening[:, None]) / months[:, None], 0.0, 1.0)


def coverage_path(rollout: RolloutResult, kinds: tuple[str, ...], start_cov: np.ndarray, n_months: int) -> np.ndarray:
    """Village coverage at the end of each month, shape (n, T), from the station programme.

    Coverage rises linearly from its start level when the programme's first phase
    starts to 100% when the programme completes; without a programme it stays.
    """
    t_end = np.arange(n_months, dtype=float) + 1.0
    idx = [i for i, k in enumerate(kinds) if k == "stations"]
    if not idx:
        return np.repeat(start_cov[:, None], n_months, axis=1)
    i = idx[0]
    s = rollout.phase_start[:, i, 0]
    e = rollout.opening[:, i]
    frac = np.clip((t_end[None, :] - s[:, None]) / np.maximum(e - s, 1e-9)[:, None], 0.0, 1.0)
    return start_cov[:, None] + (1.0 - start_cov[:, None]) * frac


def effects(inp: DemandInputs, rollout: RolloutResult, p: dict[str, np.ndarray], coverage: np.ndarray,
            n_counties: int, n_months: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Policy multipliers (n, C, T, 2), the city-wide part of them (n, T, 2), and the
    centre-open indicator (n, C, T).

    Parameters
    ----------
    p : dict
        Parameter values (n,) by name: centre_collected_uplift, centre_delivered_uplift,
        centre_ramp_months, hub_collected_uplift, hub_ramp_months,
        station_delivered_uplift, village_coverage_start.
    """
    n = coverage.shape[0]
    t_mid = np.arange(n_months, dtype=float) + 0.5
    mult = np.ones((n, n_counties, n_months, 2))
    is_open = np.zeros((n, n_counties, n_months), dtype=bool)
    first_open = np.full((n, n_counties), np.inf)
    for j, k in enumerate(inp.kind):
        c = int(inp.project_county[j])
        if k == "county_centre" and c >= 0:
            first_open[:, c] = np.minimum(first_open[:, c], rollout.opening[:, j])
    for c in range(n_counties):
        if np.all(np.isinf(first_open[:, c])):
            continue
        r = ramp(t_mid, first_open[:, c], p["centre_ramp_months"])
        mult[:, c, :, 0] += p["centre_collected_uplift"][:, None] * r
        mult[:, c, :, 1] += p["centre_delivered_uplift"][:, None] * r
        is_open[:, c, :] = t_mid[None, :] >= first_open[:, c, None]
    city = np.ones((n, n_months, 2))
    for j, k in enumerate(inp.kind):
        if k == "hub":
            r = ramp(t_mid, rollout.opening[:, j], p["hub_ramp_months"])
            city[..., 0] *= 1.0 + p["hub_collected_uplift"][:, None] * r
    c0 = p["village_coverage_start"]
    gain = (coverage - c0[:, None]) / np.maximum(1.0 - c0[:, None], 1e-9)
    city[..., 1] *= 1.0 + p["station_delivered_uplift"][:, None] * gain
    return mult * city[:, None, :, :], city, is_open


def anchor_scale(base: np.ndarray, shares: np.ndarray, mult: np.ndarray, anchor_index: int | None) -> np.ndarray:
    """Per-month factor that turns the calibrated path into the no-plan path the multipliers act on,
    shape (n, T, 2) [-].

    A local figure counts the parcels with whatever infrastructure was open when it was counted, so
    the calibrated path up to the anchor year ``a`` already contains the plan's effect there.  With
    ``M̄_{yd} = Σ_{m∈y} B_{md} Σ_c S_{cd} M_{cmd} / Σ_{m∈y} B_{md}`` the year's parcel-weighted
    city multiplier of replication ``r`` (its own rollout), the factor is ``1 / M̄_{yd}`` in every
    year ``y <= a`` (each such year's city total of ``B S M`` is then exactly ``B``: the history is
    reproduced in every replication) and ``1 / M̄_{ad}`` after it (only the uplift of what opens or
    ramps up after the anchor year is added).  Without an anchor in the simulated years the factor
    is 1 (the path is the region without the plan).

    Parameters
    ----------
    base : ndarray
        Calibrated city path [件/month], (n, T, 2), T a multiple of 12.
    shares : ndarray
        County shares (n, C, 2), summing to 1 over counties.
    mult : ndarray
        Policy multipliers (n, C, T, 2) [-].
    anchor_index : int or None
        Anchor year's index among the simulated years (beyond the last: every year is history).
    """
    n, t, _ = base.shape
    if anchor_index is None or anchor_index < 0:
        return np.ones_like(base)
    y = t // 12
    city_mult = np.einsum("ncd,nctd->ntd", shares, mult).reshape(n, y, 12, 2)
    w = base.reshape(n, y, 12, 2)
    mbar = (w * city_mult).sum(axis=2) / w.sum(axis=2)  # (n, Y, 2)
    a = min(anchor_index, y - 1)
    mbar[:, a + 1:, :] = mbar[:, a:a + 1, :]
    return np.asarray(1.0 / np.repeat(mbar, 12, axis=1))


def handle_with_capacity(demand: np.ndarray, capacity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parcels handled each month under a capacity limit, excess carried as backlog.

    Parameters
    ----------
    demand : ndarray
        Parcels arriving, shape (n, C, T, 2) [件/month].
    capacity : ndarray
        Parcels a county can handle (both directions), shape (n, C, T) [件/month].

    Returns
    -------
    handled : ndarray
        Shape (n, C, T, 2) [件/month]; directions are served pro rata.
    backlog : ndarray
        Parcels still waiting after the last month, shape (n, C, 2) [件].
    """
    # month-major, contiguous, one array per direction: the loop touches (n, C) slabs only
    d_out = np.ascontiguousarray(demand[..., 0].transpose(2, 0, 1))
    d_in = np.ascontiguousarray(demand[..., 1].transpose(2, 0, 1))
    cap = np.ascontiguousarray(capacity.transpose(2, 0, 1))
    h_out = np.empty_like(d_out)
    h_in = np.empty_like(d_in)
    q_out = np.zeros(d_out.shape[1:])
    q_in = np.zeros(d_in.shape[1:])
    for t in range(d_out.shape[0]):
        a_out = d_out[t] + q_out
        a_in = d_in[t] + q_in
        tot = a_out + a_in
        frac = np.where(tot > cap[t], cap[t] / np.maximum(tot, 1e-300), 1.0)
        h_out[t] = a_out * frac
        h_in[t] = a_in * frac
        q_out = a_out - h_out[t]
        q_in = a_in - h_in[t]
    handled = np.stack([h_out.transpose(1, 2, 0), h_in.transpose(1, 2, 0)], axis=-1)
    return handled, np.stack([q_out, q_in], axis=-1)


def simulate_demand(inp: DemandInputs, rollout: RolloutResult, p: dict[str, np.ndarray], z: np.ndarray,
                    n_months: int) -> dict[str, np.ndarray]:
    """Run the demand model for one chunk of replications.

    Returns
    -------
    dict
        ``handled`` (n, C, T, 2), ``demand`` (n, C, T, 2), ``baseline_city`` (n, T, 2),
        ``coverage`` (n, T), ``centre_open`` (n, C, T), ``backlog_end`` (n, C, 2),
        ``multiplier`` (n, C, T, 2).
    """
    n = z.shape[0]
    c = inp.pop_shares.size
    base = monthly_baseline(inp.baseline_annual, inp.month_weights)[:, :n_months]
    shares = county_shares(inp.pop_shares, inp.urban_index, p["urban_collected_intensity"],
                           p["urban_delivered_intensity"], p["county_share_noise"], z)
    cov = coverage_path(rollout, inp.kind, p["village_coverage_start"], n_months)
    mult, city, is_open = effects(inp, rollout, p, cov, c, n_months)
    base = base * anchor_scale(base, shares, mult, inp.anchor_index)
    county_base = base[:, None, :, :] * shares[:, :, None, :]  # (n, C, T, 2)
    demand = county_base * mult
    y = n_months // 12
    organic = (county_base * city[:, None, :, :]).sum(axis=-1)  # (n, C, T)
    avg_month = organic.reshape(n, c, y, 12).mean(axis=-1)  # (n, C, Y)
    cap = p["capacity_headroom"][:, None, None] * np.repeat(avg_month, 12, axis=-1)
    cap = cap * np.where(is_open, p["centre_capacity_factor"][:, None, None], 1.0)
    handled, backlog = handle_with_capacity(demand, cap)
    return {"handled": handled, "demand": demand, "baseline_city": base, "coverage": cov,
            "centre_open": is_open, "backlog_end": backlog, "multiplier": mult}
