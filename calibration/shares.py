"""The provincial layer's partial-year releases, read against the national release of the same months.

A province publishes Jan–N totals, quarters and halves with growth rates but rarely a full year.
Read through a fixed national seasonal profile (``log W = a + s + log s_w``) such a window says as
much about the profile as about the province.  The national monthly bulletins publish the same
window, so the window's share of the nation is observed directly::

    log(W_prov,w / W_nat,w) = s_y + e,     Var e = ρ_prov² + ρ_nat² + σ_w,prov² + f_prov²

with ``s`` the province's log share state (``sr`` for revenue): the national level and its season
cancel, and what remains is the province's own seasonal deviation from the nation's (the
subnational season SD of :func:`calibration.slots.window_var`) and the definition floor.  A window
a year earlier implied by a provincial growth rate is read the same way against the national
window of that year.  Windows without a national counterpart keep the profile.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from expressim.calibration.observations import Observation, ObservationSet
from expressim.calibration.slots import LEVEL

#: the share pseudo-indicator of each provincial series (loaded on the share states)
SHARE_OF = {"express_volume": "express_volume_share", "express_revenue": "express_revenue_share"}


def provincial_shares(obs: ObservationSet) -> tuple[ObservationSet, list[Observation], list[str]]:
    """Replace each provincial sub-year window that has a national twin by its share observation.

    Returns
    -------
    (ObservationSet, list of Observation, list of str)
        The set the hierarchy reads, the provincial windows that were replaced (they stay
        published: a forecast of that window returns the release), and one note.
    """
    national = next(g for g, lvl in LEVEL.items() if lvl == "national")
    twins = {(o.indicator, o.period.window): o for o in obs.observations
             if o.geography == national and not o.derived and o.indicator in SHARE_OF}
    out: list[Observation] = []
    replaced: list[Observation] = []
    for o in obs.observations:
        twin = twins.get((o.indicator, o.period.window))
        if (LEVEL.get(o.geography) != "provincial" or o.indicator not in SHARE_OF or o.period.kind == "year"
                or twin is None):
            out.append(o)
            continue
        replaced.append(o)
        out.append(replace(o, indicator=SHARE_OF[o.indicator], value=o.value / twin.value, unit="",
                           rel_precision=float(np.hypot(o.rel_precision, twin.rel_precision)),
                           note=f"share of the national {twin.period} ({o.note})"))
    notes = [f"{len(replaced)} provincial window(s) read as shares of the national release of the same months"] \
        if replaced else []
    return replace(obs, observations=tuple(out)), [o for o in replaced if not o.derived], notes
