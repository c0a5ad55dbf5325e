"""Dates in a scenario that are valid but say something the analyst should hear (``expressim validate``'s warnings).

Each check returns one line per finding, ``FILE: FIELD: what was found; what it means``; none refuses the file
(exit code 0): a project that cannot open inside the horizon is a legitimate scenario ("what if it slips past
2030?"), but one written by mistake would silently contribute nothing.

- a phase whose ``not_before`` is after the horizon (the project never opens in the simulation);
- a project the scenario plans to open inside the horizon (``planned_open``) that, even at the shortest
  duration of every phase (the lower end of each distribution, no wait for a resource), opens after it (a
  project without a planned opening inside the horizon, such as a hub only started in it, is not said);
- an as-of date after the data's last month or after the current month: the scenario's ``calibration.until``
  (or ``--until``), and a progress file whose latest fact is dated after the data's last month (the rollout
  then knows what the parcel data do not yet show).  A progress row dated after the current month is refused
  by :mod:`expressim.model.spec.progress` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from expressim.model.spec.progress import Progress, month_text
from expressim.model.spec.scenario import Scenario, parse_month

__all__ = ["as_of_warnings", "horizon_warnings"]


def _lowest(duration: Any) -> float:
    """The shortest duration a phase can take [months] (the lower end of its distribution, at least 0)."""
    try:
        return max(0.0, float(duration.bounds()[0]))
    except (AttributeError, TypeError, ValueError):
        return 0.0


def horizon_warnings(scn: Scenario, path: str) -> list[str]:
    """Phases gated after the horizon, and projects that cannot open inside it even at their shortest durations."""
    end = parse_month(scn.horizon)
    out: list[str] = []
    for i, p in enumerate(scn.projects):
        late = [(k, ph) for k, ph in enumerate(p.phases) if ph.not_before and parse_month(ph.not_before) > end]
        if late:
            k, ph = late[0]
            out.append(f"{path}: projects.{i}.phases.{k}.not_before: {ph.not_before} is after the horizon "
                       f"{scn.horizon}; project '{p.id}' cannot start '{ph.name}' inside the simulation, so it never "
                       f"opens in it (move the horizon or the date if that is not meant)")
            continue
        if not p.planned_open or parse_month(p.planned_open) > end:
            continue  # not meant to open inside the horizon
        t = float(scn.start_month)  # month index, fractional: the earliest each phase can end
        for ph in p.phases:
            if ph.not_before:
                t = max(t, float(parse_month(ph.not_before)))
            t += _lowest(ph.duration)
        if t > end + 1:  # t is a point in time on the month-index clock: it falls in month int(t)
            out.append(f"{path}: projects.{i}: project '{p.id}' opens at the earliest in {month_text(int(t))} "
                       f"(every phase at its shortest duration, no wait for a resource), after the horizon "
                       f"{scn.horizon}, although planned to open in {p.planned_open}: its opening and what it brings "
                       f"are not simulated")
    return out


def as_of_warnings(scn: Scenario, path: str, *, data_end: int | None, today: int, until: str | None = None,
                   until_label: str | None = None, progress: Progress | None = None) -> list[str]:
    """As-of dates after the data's last month or after ``today`` (month indices ``year * 12 + month - 1``).

    Parameters
    ----------
    until : str, optional
        The cut the run would use (``--until``, else the scenario's ``calibration.until``), named by
        ``until_label`` in the message.
    progress : Progress, optional
        The scenario's progress file (its latest date is compared with the data's last month).
    """
    out: list[str] = []
    label = until_label or f"{path}: calibration.until"
    if until:
        from expressim.calibration.periods import PeriodError, parse_period

        try:
            cut = parse_period(str(until), allow_approx=False).last
        except PeriodError:
            cut = None
        if cut is not None and cut > today:
            out.append(f"{label}: {until} ends in {month_text(cut)}, after the current month {month_text(today)}: "
                       f"the run would speak as of a month that has not come (use a month up to {month_text(today)})")
        elif cut is not None and data_end is not None and cut > data_end:
            out.append(f"{label}: {until} ends in {month_text(cut)}, after the data's last month "
                       f"{month_text(data_end)}: the cut drops nothing, and the months after {month_text(data_end)} "
                       f"are the model's, not observed")
    last = getattr(progress, "last_month", None)
    if last is not None and data_end is not None and last > data_end:
        rows: Sequence[Any] = [r for r in getattr(progress, "rows", ()) if r.month > data_end]
        first = min(rows, key=lambda r: (r.month, r.line)) if rows else None
        where = f" (first: line {first.line}, {first.id} {first.status} {month_text(first.month)})" if first else ""
        out.append(f"{getattr(progress, 'path', 'progress')}: date: {len(rows)} fact(s) dated after the data's last "
                   f"month {month_text(data_end)}, the latest {month_text(last)}{where}: the rollout knows them, the "
                   f"parcel data do not show them yet (add the latest release with --add, or cut with --until)")
    return out
