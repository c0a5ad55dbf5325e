"""Spillovers: from parcels to revenue, jobs, online shopping, specialty sales, firms,
green packaging, demonstrations, liquor shipments and scenic-spot coverage.

All functions are vectorised over replications and return annual values of shape
(n, Y) for the simulated years ``years``; every coefficient is a drawn parameter
(see calibration/data/assumptions.yaml for values, ranges and sources).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from expressim.model.spec.conventions import BASE_YEAR, MAX_FIRMS


def _trend(level: np.ndarray, rate: np.ndarray, years: Sequence[int]) -> np.ndarray:
    """``level × (1 - rate)^(year - 2023)``, shape (n, Y)."""
    return level[:, None] * (1.0 - rate[:, None]) ** (np.asarray(years, dtype=float) - BASE_YEAR)


def revenue(out_annual: np.ndarray, revenue_per_parcel: np.ndarray) -> np.ndarray:
    """Express revenue [元/year] = collected parcels × revenue per parcel [元/件] (both (n, Y)).

    Revenue per parcel is the calibrated path (national state × local factor), not a drawn parameter.
    """
    return out_annual * revenue_per_parcel


def jobs(inout_annual: np.ndarray, p: Mapping[str, np.ndarray], years: Sequence[int]) -> np.ndarray:
    """Jobs [人] = parcels handled (in + out) / 10⁴ × jobs per 10⁴ parcels (productivity rising)."""
    return inout_annual / 1e4 * _trend(p["jobs_per_10k_parcels_2023"], p["jobs_productivity_growth"], years)


def jobs_with_station_keepers(inout_annual: np.ndarray, p: Mapping[str, np.ndarray], years: Sequence[int]) -> np.ndarray:
    """Jobs in the broad reading [人]: express jobs plus village station keepers.

    Keepers = parcels handled (in + out) / 10⁴ × ``station_keepers_per_10k_parcels`` (one keeper per
    station, held per parcel).  The plan's headline reading is :func:`jobs` (express firms only).
    """
    return jobs(inout_annual, p, years) + inout_annual / 1e4 * p["station_keepers_per_10k_parcels"][:, None]


def online_shopping(in_annual: np.ndarray, p: Mapping[str, np.ndarray], years: Sequence[int]) -> np.ndarray:
    """Online shopping supported [元/year] = parcels delivered × online retail value per parcel (falling).

    The plan's 支撑网购消费 is local consumption reached by parcels, so only inbound (delivered)
    parcels count: outbound parcels are sales to buyers elsewhere (and overlap specialty sales).
    The value per parcel is physical-goods online retail over all parcels, as the national ratio
    it is evidenced by, so no separate e-commerce share multiplies it.
    """
    return in_annual * _trend(p["online_value_per_parcel"], p["online_value_per_parcel_decline"], years)


def online_shopping_inout(inout_annual: np.ndarray, p: Mapping[str, np.ndarray], years: Sequence[int]) -> np.ndarray:
    """Online shopping supported, both-ways reading [元/year]: parcels in + out × the same value per parcel.

    Counts local online sales carried out (collected parcels) beside local purchases carried in, as
    the national ratio counts every parcel once.  The plan's headline reading is :func:`online_shopping`.
    """
    return inout_annual * _trend(p["online_value_per_parcel"], p["online_value_per_parcel_decline"], years)


def specialty_sales(out_annual: np.ndarray, p: Mapping[str, np.ndarray]) -> np.ndarray:
    """Local specialty products sold out [元/year] = collected × specialty share × value per parcel."""
    return out_annual * p["specialty_share_outbound"][:, None] * p["specialty_value_per_parcel"][:, None]


def firms_over(revenue_annual: np.ndarray, p: Mapping[str, np.ndarray], threshold: float,
               max_firms: int = MAX_FIRMS) -> np.ndarray:
    """Firms with revenue ≥ ``threshold`` [元], shape (n, Y).

    Revenue is split over ``firm_count`` firms with Zipf shares
    ``k^-a / Σ_j j^-a`` (``a`` = firm_size_exponent).
    """
    n_firms = np.clip(np.rint(p["firm_count"]).astype(int), 1, max_firms)
    k = np.arange(1, max_firms + 1, dtype=float)
    w = k[None, :] ** -p["firm_size_exponent"][:, None]
    w = np.where(k[None, :] <= n_firms[:, None], w, 0.0)
    shares = w / w.sum(axis=1, keepdims=True)  # (n, K)
    firm_rev = revenue_annual[:, :, None] * shares[:, None, :]
    return (firm_rev >= threshold).sum(axis=-1).astype(float)


def green_rate(start: np.ndarray, closure: np.ndarray, years: Sequence[int]) -> np.ndarray:
    """A green-packaging rate [fraction] closing a share of its gap to 100% each year after 2023."""
    steps = np.maximum(np.asarray(years, dtype=float) - BASE_YEAR, 0.0)
    return 1.0 - (1.0 - start[:, None]) * (1.0 - closure[:, None]) ** steps


def demonstrations(planned: Mapping[int, int], success: np.ndarray, u: np.ndarray, years: Sequence[int]) -> np.ndarray:
    """Cumulative demonstration projects certified by the end of each year, shape (n, Y).

    Each project the plan schedules for a year succeeds that year with
    probability ``success`` (independent; ``u`` has shape (n, Y, max planned)).
    """
    n = success.size
    counts = np.zeros((n, len(years)))
    for j, y in enumerate(years):
        k = min(int(planned.get(y, 0)), u.shape[2])
        if k:
            counts[:, j] = (u[:, j, :k] < success[:, None]).sum(axis=1)
    return np.cumsum(counts, axis=1)


def liquor_tonnes(p: Mapping[str, np.ndarray], liquor_out_multiplier: np.ndarray, years: Sequence[int]) -> np.ndarray:
    """Liquor shipped by express from the liquor line's county [t/year]: the 2023 level growing, times that
    county's collection uplift (the pack's ``specialty_lines.liquor``)."""
    growth = (1.0 + p["specialty_liquor_growth"][:, None]) ** (np.asarray(years, dtype=float) - BASE_YEAR)
    return p["specialty_liquor_tonnes_2023"][:, None] * growth * liquor_out_multiplier


def scenic_coverage(p: Mapping[str, np.ndarray], u: np.ndarray, years: Sequence[int]) -> np.ndarray:
    """Share of 4A+ scenic spots with an express point at the end of each year, shape (n, Y).

    ``u`` (n, S_max, Y + 1): column 0 decides coverage at the start, column
    ``j + 1`` whether a spot still uncovered is covered during year ``j``.
    """
    s_max = u.shape[1]
    n_spots = np.clip(np.rint(p["scenic_spots_4a"]).astype(int), 1, s_max)
    valid = np.arange(s_max)[None, :] < n_spots[:, None]
    covered = u[:, :, 0] < p["scenic_coverage_start"][:, None]
    out = np.empty((u.shape[0], len(years)))
    for j in range(len(years)):
        covered = covered | (u[:, :, j + 1] < p["scenic_yearly_hazard"][:, None])
        out[:, j] = (covered & valid).sum(axis=1) / n_spots
    return out
