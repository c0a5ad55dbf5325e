"""Targets decided by a known value: an ``observed`` progress row or the exact series in the data.

A target whose value for its year is known is no longer a probability: it is met or missed.
:func:`observed_targets` finds those values (a progress row wins over the data, being the analyst's
explicit statement); :func:`apply_observed` writes them into a run's per-replication target values,
so the probability is exactly 1 or 0, its standard error 0, and every table and figure built from
the target values shows the observed value.  The other indicators of the run are not changed: a
known 2025 volume informs the demand model only through the calibration, when it is in the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from expressim.model.engine.targets import Observed
from expressim.model.spec.progress import Progress, month_text
from expressim.model.spec.regions import load_pack
from expressim.model.spec.scenario import Scenario, Target

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet
    from expressim.model.engine.results import Results

__all__ = ["DATA_SERIES", "Observed", "apply_observed", "observed_targets"]

#: target metric -> indicator of the data series that measures it exactly, for the region pack's
#: prefecture (the geography of the whole region in the observations)
DATA_SERIES: dict[str, str] = {
    "parcels_inout": "express_volume_inout",
    "parcels_out": "express_volume",
    "parcels_in": "express_volume_inbound",
    "revenue": "express_revenue",
}


def _met(target: Target, value: float) -> bool:
    from expressim.model.engine.targets import attained

    return bool(attained(target, np.array([value]))[0])


def observed_targets(scenario: Scenario, observations: ObservationSet | None = None,
                     progress: Progress | None = None) -> dict[str, Observed]:
    """Target id -> :class:`Observed` for every target whose year's value is known.

    Parameters
    ----------
    observations : calibration.observations.ObservationSet, optional
        The run's data: an annual observation (not derived) of exactly the target's series and year.
    progress : Progress, optional
        ``observed`` rows (these win over the data).
    """
    out: dict[str, Observed] = {}
    region = load_pack(scenario.region_pack).prefecture if observations is not None else ""
    for t in scenario.targets:
        indicator = DATA_SERIES.get(t.metric)
        if observations is None or indicator is None:
            continue
        hits = [o for o in observations.select(region, indicator, derived=False)
                if o.period.kind == "year" and o.period.year == t.year]
        if hits:
            o = hits[-1]
            out[t.id] = Observed(float(o.value), o.source_url or f"{o.file}:{o.line}", "data",
                                 month_text(o.period.last), _met(t, float(o.value)))
    if progress is not None:
        targets = {t.id: t for t in scenario.targets}
        for tid, row in progress.observed().items():
            assert row.value is not None
            src = row.source or f"{progress.path}: line {row.line}"
            out[tid] = Observed(row.value, src, "progress", row.date, _met(targets[tid], row.value))
    return out


def apply_observed(results: Results, observed: dict[str, Observed]) -> None:
    """Put each observed value in its target's year, in every replication (in place)."""
    for tid, ob in observed.items():
        t = results.target(tid)
        j = results.years.index(t.year)
        vals = np.array(results.target_values[tid], dtype=float, copy=True)
        vals[:, j] = ob.value
        results.target_values[tid] = vals
    results.observed = dict(observed)
