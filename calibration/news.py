"""What each observation moved: leave-one-out refilters of the headline forecasts.

For every observation in the likelihood the model is refiltered at the estimated parameters
without it; the headline forecasts (medians of the year after the data of the national volume and
revenue, the province's volume and the prefecture's in+out) with and without it give the change attributable
to it, in percent.  Parameters are held at the estimate (a refilter, not a refit): the table
answers "what did this release move", the way a new release moves a forecast between two
monthly calibrations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from expressim.calibration.hierarchy import HierarchyFit
from expressim.calibration.levels import Levels
from expressim.calibration.paths import log_level
from expressim.calibration.slots import Constants, SlotData
from expressim.calibration.statespace import system


def headlines(levels: Levels) -> tuple[tuple[str, str], ...]:
    """The headline series: (geography, indicator) of the national volume and revenue, the province's
    volume and the prefecture's in+out."""
    return ((levels.nation, "express_volume"), (levels.nation, "express_revenue"),
            (levels.province, "express_volume"), (levels.prefecture, "express_volume_inout"))


def _headlines(model: Any, hier: HierarchyFit, const: Constants) -> np.ndarray:
    res = model.filter(hier.params, return_ssm=True)
    F, c, _ = system(hier.params, hier.local_sigma)
    x = F @ np.asarray(res.filtered_state)[:, -1] + c
    return np.array([float(log_level(x, g, i, const)) for g, i in headlines(const.levels)])


def what_moved(rebuild: Callable[[np.ndarray], Any], hier: HierarchyFit, data: SlotData,
               const: Constants) -> list[dict[str, object]]:
    """One dict per observation: its key and the % change in each headline forecast it caused.

    ``rebuild(endog)`` gives the statsmodels model of the fit on other data (same equations).
    """
    base = _headlines(rebuild(data.endog), hier, const)
    out: list[dict[str, object]] = []
    for r in data.rows:
        e = data.endog.copy()
        e[r.t, r.slot] = np.nan
        without = _headlines(rebuild(e), hier, const)
        row: dict[str, object] = {"geography": r.obs.geography, "indicator": r.obs.indicator,
                               "period": str(r.obs.period), "implied_by_growth": r.implied or r.obs.derived}
        for (g, i), a, b in zip(headlines(const.levels), base, without, strict=True):
            row[f"{g} {i} {hier.last_year + 1} %"] = float(100 * np.expm1(a - b))
        out.append(row)
    return out
