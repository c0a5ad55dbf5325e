"""Spillovers of one replication for the reference engine, in plain scalar arithmetic.

The equations are those stated in :mod:`model.engine.spillovers` (jobs, revenue, firms over
revenue thresholds, green packaging, demonstrations, scenic spots, online shopping, specialty
products); :mod:`model.engine.oracle.reference` calls :func:`metrics_rep` once per replication.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from expressim.model.engine.parameters import Draws
from expressim.model.engine.simulate import FIRM_THRESHOLDS, Compiled
from expressim.model.spec.conventions import BASE_YEAR, MAX_FIRMS


def trend(level: float, rate: float, year: int) -> float:
    """``level × (1 - rate)^(year - 2023)`` [level's unit]."""
    return level * (1.0 - rate) ** float(year - BASE_YEAR)


def firms_over_rep(revenue: float, firm_count: float, exponent: float, threshold: float) -> float:
    """Firms [个] with revenue ≥ ``threshold`` [元]; ``revenue`` [元] splits over Zipf shares ``k^-a``."""
    n_firms = min(max(round(firm_count), 1), MAX_FIRMS)
    w = [float(k) ** -exponent for k in range(1, n_firms + 1)]
    total = math.fsum(w)
    return float(sum(1 for x in w if revenue * (x / total) >= threshold))


def green_rate_rep(start: float, closure: float, year: int) -> float:
    """Green-packaging rate [fraction]: ``1 - (1 - start)(1 - closure)^max(year - 2023, 0)``."""
    return 1.0 - (1.0 - start) * (1.0 - closure) ** float(max(year - BASE_YEAR, 0))


def demonstrations_rep(
    planned: Mapping[int, int], success: float, u: np.ndarray, years: Sequence[int]
) -> list[float]:
    """Cumulative demonstration projects [个] by the end of each year (``u``: (Y, max planned))."""
    out, total = [], 0.0
    for j, y in enumerate(years):
        k = min(int(planned.get(y, 0)), u.shape[1])
        total += sum(1.0 for i in range(k) if float(u[j, i]) < success)
        out.append(total)
    return out


def scenic_rep(n_spots_draw: float, start: float, hazard: float, u: np.ndarray, n_years: int) -> list[float]:
    """Share [fraction] of 4A+ scenic spots with express service at each year's end.

    ``u`` (S_max, Y + 1): column 0 decides coverage at the start, column ``j + 1`` whether a
    spot still uncovered is covered during year ``j``.
    """
    s_max = u.shape[0]
    n_spots = min(max(round(n_spots_draw), 1), s_max)
    covered = [float(u[s, 0]) < start for s in range(n_spots)]
    out = []
    for j in range(n_years):
        covered = [cv or float(u[s, j + 1]) < hazard for s, cv in enumerate(covered)]
        out.append(sum(covered) / n_spots)
    return out


def metrics_rep(
    comp: Compiled,
    draws: Draws,
    r: int,
    p: Mapping[str, float],
    county_annual: Sequence[Sequence[Sequence[float]]],
    coverage: Sequence[float],
    liquor_mult: Sequence[float] | None,
    revenue_per_parcel: Sequence[float],
) -> dict[str, list[float]]:
    """Annual metrics of replication ``r`` (each ``[Y]``) from parcels handled by county and year."""
    years = comp.years
    out_a = [math.fsum(cty[j][0] for cty in county_annual) for j in range(len(years))]
    in_a = [math.fsum(cty[j][1] for cty in county_annual) for j in range(len(years))]
    inout = [o + i for o, i in zip(out_a, in_a, strict=True)]
    rev = [o * rpp for o, rpp in zip(out_a, revenue_per_parcel, strict=True)]
    demos = comp.scenario.demonstrations
    m: dict[str, list[float]] = {
        "parcels_out": out_a,
        "parcels_in": in_a,
        "parcels_inout": inout,
        "revenue": rev,
        "jobs": [
            x / 1e4 * trend(p["jobs_per_10k_parcels_2023"], p["jobs_productivity_growth"], y)
            for x, y in zip(inout, years, strict=True)
        ],
        "online_shopping": [
            x * trend(p["online_value_per_parcel"], p["online_value_per_parcel_decline"], y)
            for x, y in zip(in_a, years, strict=True)
        ],
        "specialty_sales": [
            x * p["specialty_share_outbound"] * p["specialty_value_per_parcel"] for x in out_a
        ],
        "jobs_with_station_keepers": [
            x / 1e4 * trend(p["jobs_per_10k_parcels_2023"], p["jobs_productivity_growth"], y)
            + x / 1e4 * p["station_keepers_per_10k_parcels"]
            for x, y in zip(inout, years, strict=True)
        ],
        "online_shopping_inout": [
            x * trend(p["online_value_per_parcel"], p["online_value_per_parcel_decline"], y)
            for x, y in zip(inout, years, strict=True)
        ],
        "village_coverage": [coverage[12 * j + 11] for j in range(len(years))],
        "green_slim_tape": [green_rate_rep(p["slim_tape_2023"], p["green_gap_closure"], y) for y in years],
        "green_no_reboxing": [
            green_rate_rep(p["no_reboxing_2023"], p["green_gap_closure"], y) for y in years
        ],
        "green_reusable_bags": [
            green_rate_rep(p["reusable_bags_2023"], p["green_gap_closure"], y) for y in years
        ],
        "demo_agriculture": demonstrations_rep(
            demos.agriculture, p["demo_success_probability"], draws.u_events["demo_agriculture"][r], years
        ),
        "demo_manufacturing": demonstrations_rep(
            demos.manufacturing, p["demo_success_probability"], draws.u_events["demo_manufacturing"][r], years
        ),
        "scenic_coverage": scenic_rep(
            p["scenic_spots_4a"],
            p["scenic_coverage_start"],
            p["scenic_yearly_hazard"],
            draws.u_events["scenic"][r],
            len(years),
        ),
    }
    for name, thr in FIRM_THRESHOLDS.items():
        m[name] = [firms_over_rep(x, p["firm_count"], p["firm_size_exponent"], thr) for x in rev]
    if liquor_mult is not None:  # a pack without a liquor line has no liquor metric
        m["liquor_tonnes"] = [
            p["specialty_liquor_tonnes_2023"]
            * (1.0 + p["specialty_liquor_growth"]) ** float(y - BASE_YEAR)
            * (math.fsum(liquor_mult[12 * j : 12 * j + 12]) / 12.0)
            for j, y in enumerate(years)
        ]
    return m
