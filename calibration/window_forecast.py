"""The answer of ``expressim forecast``: one window's distribution from a fitted calibration, with a sentence
saying what the forecast is (the series as its releases count it, the monthly nowcast, or the region's baseline
without a plan)."""

from __future__ import annotations

from typing import TypedDict

import numpy as np

from expressim.calibration.conventions import QUANTILES
from expressim.calibration.errors import FitError
from expressim.calibration.fit import UNITS, Fitted
from expressim.calibration.periods import parse_period

__all__ = ["ForecastRecord", "forecast", "forecast_basis"]


class ForecastRecord(TypedDict):
    """``forecast --json`` (DESIGN.md): one window's distribution in canonical units."""

    geography: str
    indicator: str
    period: str
    unit: str
    mean: float
    quantiles: dict[str, float]
    basis: str


def forecast(fitted: Fitted, geography: str, indicator: str, period: str, n: int = 20000,
             seed: int = 0) -> ForecastRecord:
    """Forecast one window: the ``forecast --json`` dictionary, canonical units.

    Raises
    ------
    FitError
        A period that is not a window inside one calendar year, a series the fit does not
        have, or ``n`` below 1 (draws).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise FitError(f"n: expected a whole number of draws of at least 1, got {n!r}")
    try:
        p = parse_period(period, allow_approx=False)
    except ValueError as exc:
        raise FitError(f"--period: {exc}") from None
    draws = fitted.window_draws(geography, indicator, p, n, np.random.default_rng(seed))
    qs = np.quantile(draws, QUANTILES)
    return {"geography": geography, "indicator": indicator, "period": str(p),
            "unit": UNITS.get(indicator, ""), "mean": float(draws.mean()),
            "quantiles": {str(q): float(v) for q, v in zip(QUANTILES, qs, strict=True)},
            "basis": forecast_basis(fitted, geography, p.year)}


def forecast_basis(fitted: Fitted, geography: str, year: int) -> str:
    """What a forecast of ``geography`` in ``year`` is, in one sentence (``forecast`` prints it).

    A forecast is the baseline without any plan: the published figure as the series has gone. For the
    region that means its history as counted up to its last published figure (with the infrastructure
    open then) and, after it, no opening; ``run`` adds a plan's openings after that year only, so the
    two agree up to it and a scenario without projects agrees with the forecast in every year.
    """
    if geography != fitted.region:
        for plan in fitted.nowcasts:
            if plan.year == year and fitted.levels.level(geography) == "national":
                return (f"the year as its releases count it: the published Jan-{plan.n_known:02d} total and the "
                        f"months still to come (the monthly layer's nowcast)")
        return "the series as its releases count it, on its own path (no plan's effect is modelled at this level)"
    anchor = fitted.local_anchor_year
    if anchor is None:
        return ("the region without any plan, from its priors (no published figure of its own): "
                "run adds every opening of a scenario")
    if year <= anchor:
        return (f"the region's history as its figures count it (last figure {anchor}), with the infrastructure "
                f"open at the time inside it; run reproduces it")
    return (f"the region's baseline without the plan: its counted history to {anchor} carried forward with no "
            f"opening after {anchor}; run adds the openings after {anchor}")
