"""Plan versus actual over time: the plan re-assessed with only what was known at each date.

At an as-of month ``P`` the assessment uses the observations whose period ends by ``P`` (exactly
``--until P``), the progress rows dated by ``P``, and the same seed and replications at every point,
so two points differ only by what became known between them (common random numbers): the rollout is
conditioned on the facts known by then (:mod:`model.engine.conditioning`) and targets whose value was known
are decided (:mod:`model.analysis.observed`).  :func:`assess` is the one step shared with ``expressim run``,
so each point equals ``run --until P`` with the same seed and replications.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from expressim.calibration.seam import Calibration
from expressim.model.analysis.observed import apply_observed, observed_targets
from expressim.model.spec.progress import Progress, month_text, until_month
from expressim.model.spec.scenario import Scenario, ScenarioError, parse_month

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet
    from expressim.model.engine.results import Results
    from expressim.model.engine.targets import TargetSummary

__all__ = ["Monitor", "MonitorPoint", "as_of_points", "assess", "monitor"]

_STEP = {"month": 1, "quarter": 3, "year": 12}
#: most as-of dates one monitor assesses (each is a calibration of its own, a few seconds and one cache entry)
MAX_POINTS = 40


def assess(scenario: Scenario, fitted: Calibration, observations: ObservationSet | None, progress: Progress | None, *,
           replications: int, seed: int, workers: int = 1, on_chunk: Callable[[int], object] | None = None) -> Results:
    """One assessment: the ensemble conditioned on the progress facts, observed targets decided.

    Returns
    -------
    model.engine.results.Results
        With ``progress``, ``conditioning`` and ``observed`` set.
    """
    from expressim.model.engine import ensemble

    res = ensemble.run(scenario, fitted, replications=replications, seed=seed, workers=workers, progress=on_chunk,
                       facts=progress.rollout_facts(scenario) if progress is not None else ())
    res.progress = progress
    apply_observed(res, observed_targets(scenario, observations, progress))
    return res


def as_of_points(as_of: Sequence[str] | None, every: str | None = None, start: str | None = None,
                 end: str | None = None) -> list[str]:
    """The as-of months: the given ones (checked, in order), or every month/quarter/year from ``start`` to ``end``.

    Raises
    ------
    ScenarioError
        Neither or both forms, a malformed month, ``end`` before ``start``, or repeated points.
    """
    if bool(as_of) == bool(every):
        raise ScenarioError("monitor: expected --as-of P1 P2 ... or --every month|quarter|year --from P --to P")
    if as_of:
        months = []
        for p in as_of:
            try:
                months.append(parse_month(p))
            except ValueError as exc:
                raise ScenarioError(f"--as-of: {exc}") from None
        if len(set(months)) != len(months):
            raise ScenarioError(f"--as-of: repeated month in {' '.join(as_of)}")
        if len(months) > MAX_POINTS:
            raise ScenarioError(f"--as-of: {len(months)} dates (each one a new calibration); expected at most {MAX_POINTS}")
        return [month_text(m) for m in sorted(months)]
    if every not in _STEP:
        raise ScenarioError(f"--every: expected month, quarter or year, got '{every}'")
    if not start or not end:
        raise ScenarioError("--every: expected --from P and --to P as well")
    try:
        a, b = parse_month(start), parse_month(end)
    except ValueError as exc:
        raise ScenarioError(f"--from/--to: {exc}") from None
    if b < a:
        raise ScenarioError(f"--to: {end} is before --from {start}")
    step = _STEP[every]
    first = a + (-(a + 1)) % step  # the first month ending a step (quarter: 03, 06, 09, 12)
    if first > b:
        raise ScenarioError(f"--every {every} --from {start} --to {end}: no {every} ends in this range (the points "
                            f"are the last month of each {every}, the first one {month_text(first)}); expected "
                            f"--to {month_text(first)} or later")
    points = list(range(first, b + 1, step))
    if len(points) > MAX_POINTS:
        raise ScenarioError(f"--every {every} --from {start} --to {end}: {len(points)} as-of dates (each one a new "
                            f"calibration); expected at most {MAX_POINTS}, e.g. --to {month_text(points[MAX_POINTS - 1])} "
                            f"or a longer step")
    return [month_text(m) for m in points]


@dataclass(frozen=True)
class MonitorPoint:
    """The assessment at one as-of month and what had become known since the previous point."""

    as_of: str
    summaries: tuple[TargetSummary, ...]
    new_facts: tuple[str, ...]
    new_releases: tuple[str, ...]


class TargetTrack(TypedDict):
    """One target of ``monitor.json``: its P, standard error and observed value at each as-of date."""

    label: str
    year: int
    headline: bool
    probability: list[float]
    probability_stderr: list[float]
    observed: list[float | None]


class MonitorEvent(TypedDict):
    """What became known by an as-of date: progress facts and data releases new since the previous one."""

    as_of: str
    new_facts: list[str]
    new_releases: list[str]


class MonitorRecord(TypedDict):
    """``monitor.json`` (DESIGN.md §6)."""

    scenario: str
    seed: int
    replications: int
    as_of: list[str]
    targets: dict[str, TargetTrack]
    events: list[MonitorEvent]


@dataclass(frozen=True)
class Monitor:
    """All points of a monitor run (same seed and replications at each)."""

    scenario: Scenario
    seed: int
    replications: int
    points: tuple[MonitorPoint, ...]

    def to_json(self) -> MonitorRecord:
        """``{"scenario", "seed", "replications", "as_of", "targets": {id: {...}}, "events"}``."""
        targets: dict[str, TargetTrack] = {}
        for t in self.scenario.targets:
            rows = [next(s for s in p.summaries if s.id == t.id) for p in self.points]
            targets[t.id] = {"label": t.label, "year": t.year, "headline": t.headline,
                             "probability": [s.probability for s in rows],
                             "probability_stderr": [s.probability_stderr for s in rows],
                             "observed": [s.observed for s in rows]}
        return {"scenario": self.scenario.name, "seed": self.seed, "replications": self.replications,
                "as_of": [p.as_of for p in self.points], "targets": targets,
                "events": [{"as_of": p.as_of, "new_facts": list(p.new_facts), "new_releases": list(p.new_releases)}
                           for p in self.points]}


def _releases(observations: ObservationSet) -> set[str]:
    return {f"{o.geography} {o.indicator} {o.period}" for o in getattr(observations, "observations", ())
            if not o.derived and o.indicator.startswith("express")}


def monitor(scenario: Scenario, points: Sequence[str], *, load_observations: Callable[[str], ObservationSet],
            fit: Callable[[ObservationSet], Calibration], progress: Progress | None, replications: int, seed: int,
            workers: int = 1, on_chunk: Callable[[int], object] | None = None) -> Monitor:
    """Assess ``scenario`` at each as-of month with only what was known by then.

    Parameters
    ----------
    points : sequence of str
        As-of months ``YYYY-MM``, in order.
    load_observations : callable
        ``until -> ObservationSet``: the data cut at that period (as ``--until``).
    fit : callable
        ``ObservationSet -> Fitted`` (the calibration; cached by the CLI).
    progress : Progress, optional
        The whole progress file; each point sees the rows dated by then.
    """
    out: list[MonitorPoint] = []
    seen_rows: set[int] = set()
    seen_releases: set[str] | None = None
    for p in points:
        obs = load_observations(p)
        prog = progress.until(until_month(p)) if progress is not None else None
        res = assess(scenario, fit(obs), obs, prog, replications=replications, seed=seed, workers=workers,
                     on_chunk=on_chunk)
        rows = prog.rows if prog is not None else ()
        facts = tuple(f"{r.id} {r.status} {r.date}" for r in rows if r.line not in seen_rows)
        seen_rows |= {r.line for r in rows}
        releases = _releases(obs)
        new = tuple(sorted(releases - seen_releases)) if seen_releases is not None else ()
        seen_releases = releases
        out.append(MonitorPoint(p, tuple(res.summary()), facts, new))
    return Monitor(scenario, seed, replications, tuple(out))
