"""Observation equations of the hierarchy: every published window as one row of the state space.

A window ``w`` of year ``y`` (a month, quarter, half, Jan–N or the year) enters as

.. math::  \\log W = Z_{\\cdot} x_y + \\log s_w + e, \\qquad
           \\operatorname{Var} e = \\rho^2 + \\sigma_w^2 + f_g^2

with ``Z`` the loading of the series on the states (:data:`LEVEL_LOADINGS`), ``s_w`` the window's
share of the year from the seasonal profile (tilted by the year's growth), ``ρ`` the
rounding of the published number, ``σ_w = σ_m \\sqrt{(1 - s_w) / (12 s_w)}`` the share's own
uncertainty (iid monthly deviations of SD ``σ_m``; zero for a full year) and ``f_g`` a floor
for definition mismatch by geography level (register ``measurement_floor_*``).

Observations are grouped in *slots*, one per (geography, indicator, window of the year,
basis): statsmodels takes one column per slot, NaN where nothing was published.  A level
published before a scope break sees the break offset state; a growth rate published across
the break implies a year-earlier window on the new basis (an extra observation).
``express_volume_inout`` (collected + delivered) is not linear in logs: it is linearised
around a point ``x̄`` (collected share ``π``)::

    log(C + D) ≈ log(C̄ + D̄) + π (log C - log C̄) + (1 - π) (log D - log D̄)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from expressim.calibration.levels import Levels
from expressim.calibration.observations import Observation, ObservationSet
from expressim.calibration.seasonality import SeasonalProfile
from expressim.calibration.statespace import IX, M
from expressim.calibration.usable import (  # noqa: F401 - re-exported: the slots' vocabulary
    INDICATORS,
    INOUT,
    LEVEL_LOADINGS,
    RATIOS,
    candidates,
    loadings,
    no_usable,
    scope_breaks,
    supported,
)

#: level of each role key: :mod:`calibration.shares` reads the nation's and the province's rows under
#: the keys ``nation`` and ``province`` (:func:`calibration.fit.provincial_shares_of` relabels them for it)
LEVEL = {"nation": "national", "province": "provincial", "prefecture": "local"}


@dataclass(frozen=True)
class Constants:
    """Known parts of the observation equations: which geography is which level, and two offsets [log].

    ``collected``: log(prefecture population / province population); ``delivered``: log(national
    delivered per collected × prefecture population / national population).
    """

    collected: float
    delivered: float
    levels: Levels

    def of(self, geography: str, indicator: str) -> float:
        if geography != self.levels.prefecture:
            return 0.0
        return self.delivered if indicator == "express_volume_inbound" else self.collected


def loading(geography: str, indicator: str, const: Constants, point: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Design row (M,) and intercept [log] of a series' annual level (no window share).

    ``point`` (M,) is the linearisation point of ``express_volume_inout``.
    """
    row = np.zeros(M)
    rows = loadings(const.levels)
    if (geography, indicator) in rows:
        for k, v in rows[(geography, indicator)].items():
            row[IX[k]] = v
        return row, const.of(geography, indicator)
    if (geography, indicator) == (const.levels.prefecture, INOUT):
        rc, kc = loading(geography, "express_volume", const)
        rd, kd = loading(geography, "express_volume_inbound", const)
        x = point if point is not None else np.zeros(M)
        lc, ld = float(rc @ x + kc), float(rd @ x + kd)
        pi = 1.0 / (1.0 + np.exp(ld - lc))
        level = float(np.logaddexp(lc, ld))
        return pi * rc + (1 - pi) * rd, level - pi * (lc - kc) - (1 - pi) * (ld - kd)
    raise KeyError(f"{geography}/{indicator}")


@dataclass(frozen=True)
class Row:
    """One observation as the filter sees it."""

    obs: Observation
    slot: int
    t: int
    log_value: float
    log_share: float
    var_round: float
    var_dev: float
    implied: bool


@dataclass(frozen=True)
class SlotData:
    """Arrays for :func:`calibration.statespace.make_model` and the rows they hold."""

    first_year: int
    last_year: int
    endog: np.ndarray
    design: np.ndarray
    intercept: np.ndarray
    var: np.ndarray
    rows: tuple[Row, ...]
    keys: tuple[tuple[str, str, int, int, bool, bool], ...]
    breaks: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.first_year, self.last_year + 1)


def share_sd(share: float, month_sd: float) -> float:
    """SD of a window's log share of its year [log]: ``σ_m √((1 - s) / (12 s))``."""
    return float(month_sd * np.sqrt(max(1.0 - share, 0.0) / (12.0 * share)))


def window_var(share: float, level: str, month_sd: float, floors: Mapping[str, float]) -> float:
    """Variance of a window's deviation from the model [log²]: seasonal share and definition floor.

    ``level`` is the geography's level (``national``, ``provincial``, ``local``: :meth:`Levels.level`)."""
    ms = month_sd * (1.0 if level == "national" else floors["subnational_season"])
    return share_sd(share, ms) ** 2 + floors[level] ** 2


def build(obs: ObservationSet, profile: SeasonalProfile, growth: Mapping[int, float], const: Constants,
          floors: Mapping[str, float], point: np.ndarray | None = None, first_year: int | None = None) -> SlotData:
    """Slots, design, intercepts and variances of every usable observation.

    Parameters
    ----------
    growth : mapping
        Year -> national volume growth [fraction] for the within-year tilt of window shares.
    floors : mapping
        ``national``, ``provincial``, ``local`` -> definition-mismatch SD floor [log], and
        ``subnational_season``: the month-deviation SD multiple of the province's and the prefecture's windows.
    point : ndarray (nT, M), optional
        Linearisation points of in+out observations by year (default: zeros, i.e. refined later).
    first_year : int, optional
        First state year (default: the first usable year).
    """
    levels = const.levels
    breaks = scope_breaks(obs, levels)
    cands, notes = candidates(obs, breaks, levels)
    if not cands:
        raise ValueError(no_usable(levels))
    y0 = first_year if first_year is not None else min(o.period.year for o, _ in cands)
    cands = [(o, i) for o, i in cands if o.period.year >= y0]
    y1 = max(o.period.year for o, _ in cands)
    n = y1 - y0 + 1
    last_g = growth.get(max(growth), 0.2) if growth else 0.2
    keys: dict[tuple[str, str, int, int, bool, bool], int] = {}
    staged: list[tuple[Observation, bool, tuple[str, str, int, int, bool, bool]]] = []
    for o, implied in sorted(cands, key=lambda c: (c[0].geography, c[0].indicator, c[0].period.first, c[1])):
        b = breaks.get("express_volume" if "revenue" not in o.indicator else "express_revenue")
        old = (b is not None and o.period.year < b and not implied and not (o.derived and o.period.year >= b - 1)
               and o.indicator not in RATIOS)
        key = (o.geography, o.indicator, o.period.first % 12, o.period.last % 12, old, implied)
        keys.setdefault(key, len(keys))
        staged.append((o, implied, key))
    k = len(keys)
    endog = np.full((n, k), np.nan)
    design = np.zeros((k, M, n))
    intercept = np.zeros((k, n))
    var = np.ones((k, n))
    rows: list[Row] = []
    for o, implied, key in staged:
        s, t = keys[key], o.period.year - y0
        if o.indicator == "express_volume_inout" and point is None:
            continue  # first pass: fitted without in+out, then linearised at that fit
        if not np.isnan(endog[t, s]):
            notes.append(f"not used: {o.geography}/{o.indicator}/{o.period}: a second value for one slot and year")
            continue
        g = growth.get(o.period.year, last_g)
        sh = 1.0 if o.period.kind == "year" else float(profile.window_share(o.period, g))
        row, k0 = loading(o.geography, o.indicator, const, None if point is None else point[t])
        if key[4]:
            row = row.copy()
            row[IX["dr" if "revenue" in o.indicator else "d"]] = 1.0
        vr = o.rel_precision**2
        vd = window_var(sh, levels.level_of(o.geography), profile.month_sd, floors)
        endog[t, s] = np.log(o.value)
        design[s, :, t] = row
        intercept[s, t] = k0 + (0.0 if o.indicator in RATIOS else np.log(sh))
        var[s, t] = vr + vd
        rows.append(Row(o, s, t, float(np.log(o.value)), float(np.log(sh)), vr, vd, implied))
    return SlotData(y0, y1, endog, design, intercept, var, tuple(rows), tuple(keys), breaks, tuple(notes))
