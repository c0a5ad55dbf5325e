"""Whether the calibration can forecast the years a command asks for, checked before any fit.

The calibration's states start in the first year of usable data and reach
:data:`expressim.calibration.usable.MAX_HORIZON` years past the last one; both follow from the
observations alone (:func:`expressim.calibration.usable.forecast_reach`), so ``validate`` checks them
too.  Each refusal names the file and the field (``targets.3.year``, ``horizon``, ``start``) or the
option that set the cut (``--until``, a scenario's ``calibration.until``, a monitor's as-of date).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from expressim.model.spec.scenario import Scenario, ScenarioError

if TYPE_CHECKING:
    from expressim.calibration.levels import Levels
    from expressim.calibration.observations import ObservationSet
    from expressim.calibration.usable import Reach

__all__ = ["check_period_reach", "check_reach"]


def _reach(obs: ObservationSet, until: str | None, until_label: str, data: Sequence[str] | None,
           levels: Levels) -> Reach:
    from expressim.calibration.observations import load
    from expressim.calibration.usable import forecast_reach

    reach = forecast_reach(obs, levels)
    if reach is not None:
        return reach
    if until:
        full = forecast_reach(load(data), levels)
        # the earliest cut that leaves usable data (a year implied by the next year's growth needs that year)
        first = next((y for y in range(full.first, full.last + 1)
                      if forecast_reach(load(data, until=str(y)), levels)), None) if full else None
        need = f"; expected {first} or later (the first year the data can be cut at)" if first else ""
        raise ScenarioError(f"{until_label} {until}: the data hold no usable {levels.describe()} express "
                            f"observation by then{need}")
    raise ScenarioError(f"{', '.join(obs.files) or 'the data'}: no usable {levels.describe()} express observation; "
                        "expected annual or in-year windows of express_volume or express_revenue")


def check_reach(obs: ObservationSet, scn: Scenario, path: str | Path, *, until: str | None, until_label: str,
                data: Sequence[str] | None) -> None:
    """Refuse, before any fit, a scenario whose years the calibration of ``obs`` cannot forecast.

    The calibration's states start in the first year of usable data and reach
    :data:`calibration.usable.MAX_HORIZON` years past the last one (:func:`calibration.usable.forecast_reach`,
    no fit); a scenario needs the year before its start and every year to its horizon.

    Raises
    ------
    ScenarioError
        ``path: field: year ... expected ...`` naming the first target beyond the reach (else the
        horizon, or the start); ``--until P: ...`` when the cut leaves no usable observation.
    """
    from expressim.calibration.usable import MAX_HORIZON
    from expressim.model.spec.regions import RegionError, load_pack

    try:
        levels = load_pack(scn.region_pack).levels()
    except RegionError as exc:
        raise ScenarioError(f"{path}: region_pack: {exc}") from None
    reach = _reach(obs, until, until_label, data, levels)
    cut = f" with {until_label.split(': ')[-1]} {until}" if until else ""
    if scn.years[0] - 1 < reach.first:
        raise ScenarioError(f"{path}: start: {scn.start} needs the year before it ({scn.years[0] - 1}) but the data "
                            f"start in {reach.first}; expected a start in {reach.first + 1} or later")
    field, year = next(((f"targets.{i}.year", t.year) for i, t in enumerate(scn.targets) if t.year > reach.limit),
                       ("horizon", scn.years[-1]))
    if year > reach.limit:
        later = f", or {until_label.split(': ')[-1]} {year - MAX_HORIZON} or later" if until else ""
        raise ScenarioError(f"{path}: {field}: {year} is beyond what the calibration can forecast (data end in "
                            f"{reach.last}{cut}, forecasts reach {MAX_HORIZON} years further); expected a year up to "
                            f"{reach.limit}{later}")


def check_period_reach(obs: ObservationSet, period: str, *, until: str | None, data: Sequence[str] | None,
                       levels: Levels) -> int:
    """``forecast``: refuse a ``--period`` past the calibration's reach before the fit (a bad period is left
    to the forecast's own message); returns the years from the data's end to the period (at least 1).
    ``levels`` are the region pack's (:meth:`model.spec.regions.RegionPack.levels`)."""
    from expressim.calibration.periods import PeriodError, parse_period
    from expressim.calibration.usable import MAX_HORIZON

    reach = _reach(obs, until, "--until", data, levels)
    try:
        year = parse_period(period, allow_approx=False).year
    except PeriodError:
        return 1
    if year > reach.limit:
        cut = f" with --until {until}" if until else ""
        raise ScenarioError(f"--period {period}: {year} is beyond what the calibration can forecast (data end in "
                            f"{reach.last}{cut}, forecasts reach {MAX_HORIZON} years further); expected a period up "
                            f"to {reach.limit}")
    return max(year - reach.last, 1)
